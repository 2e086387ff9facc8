"""Development tools: demo data, generate_data, the benchmarks and the load test."""
