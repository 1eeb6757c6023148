from django import forms

from quizzes.models import ProblemReport, QuizPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = QuizPreference
        fields = ["shortcuts"]  # the time accommodation is set by staff (admin), not by the student
        labels = {"shortcuts": "Keyboard shortcuts while a question has focus (1-6, N, P, F, T)"}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=ProblemReport.REASONS, label="What is wrong?")
    detail = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Details (optional)",
        help_text="For example, the documentation page that says otherwise.",
    )
