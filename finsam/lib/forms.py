"""Form helpers shared by every app: FKUI classes on widgets."""

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


class StyledFormMixin:
    """Gives each widget the FKUI class for its kind, so templates stay plain."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = "text-field__input"
            for widget_class, value in _CLASSES.items():
                if isinstance(field.widget, widget_class):
                    css = value
                    break
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{existing} {css}".strip()
