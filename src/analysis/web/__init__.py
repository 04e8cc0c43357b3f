"""The 报送平台: a Django web service where units upload their monthly files and bureaus follow who has sent what.

It sits above `batch` (it serves the rendered reports) and below `cli` (`serve`, `accounts`). Everything it
does with the store goes through one adapter, `intake.py`; every view asks `scope.py` what the account may see.
Start it with `python -m analysis serve`; see docs/intake.md.
"""
