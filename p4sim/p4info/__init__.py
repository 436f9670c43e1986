"""P4Info generation: the control-plane description of a program, identical
to what ``p4c --target bmv2 --arch v1model --p4runtime-files`` writes, so that
controllers, recorded vectors and the P4Runtime server agree on names and IDs.
"""

from .files import P4InfoFormatError, check_p4info_path, read_p4info, to_text, write_p4info
from .generate import generate
from .ids import Kind, hashed_id, jenkins_one_at_a_time

__all__ = [
    "generate",
    "write_p4info",
    "read_p4info",
    "to_text",
    "check_p4info_path",
    "P4InfoFormatError",
    "Kind",
    "hashed_id",
    "jenkins_one_at_a_time",
]
