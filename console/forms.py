"""The console's forms (Django renders and validates them; CSRF on every POST)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation

from console.handoff import MAX_REPLY_CHARS
from console.models import CHANNELS, Review, Status, Tag


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Votre réponse au patient",
        max_length=MAX_REPLY_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["tag", "note"]
        labels = {"tag": "Étiquette", "note": "Note"}
        widgets = {
            "tag": forms.Select(choices=[("", "— aucune —"), *Tag.choices]),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("tag") and not (data.get("note") or "").strip():
            raise forms.ValidationError("Choisissez une étiquette ou écrivez une note.")
        return data


class FilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Tous"), *Status.choices]
    )
    channel = forms.ChoiceField(
        label="Canal", required=False, choices=[("", "Tous"), *CHANNELS.items()]
    )
    tag = forms.ChoiceField(
        label="Étiquette", required=False, choices=[("", "Toutes"), *Tag.choices]
    )
    start = forms.DateField(
        label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AccountForm(forms.Form):
    username = forms.CharField(label="Identifiant", max_length=150)
    password = forms.CharField(label="Mot de passe", widget=forms.PasswordInput)
    admin = forms.BooleanField(label="Administrateur", required=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError("Cet identifiant existe déjà.")
        return username

    def clean(self) -> dict:
        data = super().clean()
        if data.get("username") and data.get("password"):
            user = get_user_model()(username=data["username"])
            password_validation.validate_password(data["password"], user)
        return data
