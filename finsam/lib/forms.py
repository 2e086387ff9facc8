"""Form helpers shared by every app: FKUI classes on widgets, error messages that never
repeat what was typed."""

from __future__ import annotations

from django import forms
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


def _attrs(attrs: dict) -> SafeString:
    """Django's widgets/attrs.html: ` name="value"`, a bare ` name` for True, none for False."""
    return mark_safe(  # noqa: S308 (each name and value escaped by format_html)
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class Select(forms.Select):
    """Django's Select with the markup of its templates (select.html, select_option.html),
    built here: Django includes a template per option, which on a list of a förbund's
    insatser cost more than the page's queries. tests/lib/test_forms.py compares the two."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    # select_option.html ends with a newline, kept in the markup.
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]),
                    _attrs(option["attrs"]),
                    localize(option["label"]),
                )
                for option in group_choices
            )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(parts))  # noqa: S308 (the parts escaped by format_html)
