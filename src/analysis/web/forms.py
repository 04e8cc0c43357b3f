"""The forms of the 报送平台 (Django renders them with CSRF tokens; labels and errors in Chinese)."""

from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(label="报送文件", help_text="本单位当月的 .xlsx、.xls 或 .csv 文件")
    period = forms.CharField(label="填报期", max_length=20, help_text="年月，如 2025-09")
    explanation = forms.CharField(
        label="上报说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="本月数据与上月相比变化较大时（检查会给出提示），须写明原因才能提交；已知有此情况的可以预先填写",
    )


class ExplanationForm(forms.Form):
    explanation = forms.CharField(
        label="上报说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), help_text="说明上述数据变化的原因"
    )


class ReturnForm(forms.Form):
    submission_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="退回原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
