from django import forms

from quizzes.models import ProblemReport, QuizPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = QuizPreference
        fields = ["accommodation", "shortcuts"]
        widgets = {"accommodation": forms.RadioSelect}
        labels = {
            "accommodation": "Time for practice tests",
            "shortcuts": "Keyboard shortcuts while a question has focus (1-6, N, P, F, T)",
        }
        help_texts = {
            "accommodation": "Applies to tests you start from now on. The real exam grants extra time only on request.",
        }


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=ProblemReport.REASONS, label="What is wrong?")
    detail = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Details (optional)",
        help_text="For example, the documentation page that says otherwise.",
    )
