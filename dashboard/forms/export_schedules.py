"""The form of a scheduled export: how often, at what hour in which time zone, and the
file's format (as the Exports page offers it)."""

import zoneinfo

from django import forms

from ..models import ExportSchedule, Job

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


def zone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class ExportScheduleForm(forms.ModelForm):
    hour = forms.TypedChoiceField(label="At", choices=HOURS, coerce=int)
    timezone = forms.ChoiceField(label="Time zone")
    weekday = forms.TypedChoiceField(
        label="On", choices=ExportSchedule.Weekday.choices, coerce=int, required=False, empty_value=0
    )
    format = forms.ChoiceField(
        label="Format", choices=Job.Format.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )

    class Meta:
        model = ExportSchedule
        fields = ["frequency", "weekday", "hour", "timezone", "format", "enabled"]
        labels = {"frequency": "How often", "enabled": "Active"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()
