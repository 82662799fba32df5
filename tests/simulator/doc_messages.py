"""Error messages the simulator tests expect, copied from the API docs' pages.

Kept apart from `simulator.docs` on purpose: these literals are the expected
values, read off ``shared/quectel-api/*.md`` ("Response Status" tables).
"""

from __future__ import annotations

# emailPwdLogin.md
EMAIL_LOGIN_MESSAGES = {
    5013: "Incorrect user domain format",
    5015: "User domain does not exist",
    5022: "Please enter password",
    5023: "Please enter user domain",
    5026: "Please enter email",
    5031: "Email not registered",
    5040: "Incorrect email format",
    5104: "User domain disabled",
    5147: "Account frozen, please try again after 20 minutes",
    5420: "Signature verification failed",
    5550: "Please enter signature",
}

# shareByUid.md, and shareInfo.md for 5135 (which shareByUid.md does not list)
SHARE_BY_UID_MESSAGES = {
    5066: "Please enter Product Key",
    5067: "Please enter Device Key",
    5133: "Override flag parameter value out of range",
    5134: "Failed to add device share information",
    5135: "No permission to share this device",
    5145: "Timestamp format incorrect",
    5360: "Cannot share unverified bound device",
    5864: "Family member cannot accept family device share",
    5891: "Please enter recipient's uid, email, or phone",
}

# shareInfo.md
SHARE_INFO_MESSAGES = {
    5066: "Please enter Product Key",
    5067: "Please enter Device Key",
    5132: "Please enter share QR code seed expiration time",
    5133: "Override flag parameter value out of range",
    5135: "No permission to share this device",
    5145: "Timestamp format incorrect",
    5153: "Device usage expiration time must be greater than share QR code seed"
    " expiration time",
    5360: "Cannot share unverified bound device",
}

# shareDevice.md
SHARE_DEVICE_MESSAGES = {
    5049: "Device already bound",
    5136: "Please enter share code",
    5137: "Invalid share code",
    5333: "Device name exceeds length limit",
}

# shareUserUnshareDevice.md
RECIPIENT_UNSHARE_MESSAGES = {
    5041: "No permission",
    5136: "Please enter share code",
    5142: "This share has expired",
}
