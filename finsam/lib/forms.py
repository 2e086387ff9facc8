"""Form helpers shared by every app: FKUI classes on widgets, error messages that never
repeat what was typed."""

from __future__ import annotations

from django import forms

_CLASSES = {
    forms.Select: "select-field__select",
    forms.SelectMultiple: "select-field__select",
    forms.CheckboxInput: "checkbox__input",
    forms.CheckboxSelectMultiple: "",
    forms.RadioSelect: "",
    forms.Textarea: "textarea-field__input text-field__input",
}


# Django's own messages for a value outside the choices quote the value back
# ("%(value)s is not one of the available choices"): a personnummer typed or posted into a
# choice field would end up on the page. These say the same without the value.
INVALID_CHOICE = "Välj ett av alternativen i listan."
_QUOTING_MESSAGES = {
    "invalid_choice": INVALID_CHOICE,
    "invalid_pk_value": INVALID_CHOICE,
}


def _without_quoted_input(field: forms.Field) -> None:
    for key, message in _QUOTING_MESSAGES.items():
        current = field.error_messages.get(key)
        if current is not None and "%(" in str(current):
            field.error_messages[key] = message


def form_field[F: forms.Field](form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field `name` as the kind it was declared as, for setting its choices or
    queryset in `__init__` (`form.fields` knows only `Field`)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


class DateInput(forms.DateInput):
    """The browser's date picker, with the value in the ISO form it expects."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class StyledFormMixin:
    """Gives each widget the FKUI class for its kind, so templates stay plain, and keeps
    every error message free of the submitted value."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            _without_quoted_input(field)
            css = "text-field__input"
            for widget_class, value in _CLASSES.items():
                if isinstance(field.widget, widget_class):
                    css = value
                    break
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{existing} {css}".strip()
