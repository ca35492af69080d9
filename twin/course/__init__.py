"""Course plumbing: exercise checks, the setup check, test mode."""

from twin.course.checks import CheckResult, check_error_summary, check_integration_level
from twin.course.testmode import full_or_quick, in_test_mode

__all__ = ["CheckResult", "check_error_summary", "check_integration_level", "full_or_quick", "in_test_mode"]
