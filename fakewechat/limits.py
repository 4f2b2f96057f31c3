"""Limits and error codes the fake enforces, as documented for the real servers.

Codes marked "unverified" could not be confirmed in the public docs; they are
named here so a correction touches one line.
"""

from typing import Final

TOKEN_TTL_S: Final = 7200
# `cgi-bin/token` keeps the previous token alive this long after a new fetch.
TOKEN_OVERLAP_S: Final = 300
# `stable_token` in normal mode hands out a new token this long before expiry.
STABLE_RENEW_BEFORE_S: Final = 300
STABLE_FORCE_PER_DAY_MAX: Final = 20
STABLE_FORCE_INTERVAL_S: Final = 30

TAGS_PER_ACCOUNT_MAX: Final = 100
TAGS_PER_USER_MAX: Final = 20
TAG_NAME_MAX_BYTES: Final = 30
BATCH_TAGGING_MAX: Final = 50
# Tag ids 0-2 are system tags (2 is 星标组); custom tags are numbered from 100.
FIRST_CUSTOM_TAG_ID: Final = 100
STAR_TAG_ID: Final = 2

SERVICE_WINDOW_S: Final = 48 * 3600
CUSTOM_MESSAGES_PER_INTERACTION_MAX: Final = 5

DUPLICATE_CHECK_DEFAULT_S: Final = 1800
CARD_RESPONSE_CODE_TTL_S: Final = 72 * 3600
CORP_TAGS_MAX: Final = 3000
WEBHOOK_PER_MINUTE_MAX: Final = 20
WEBHOOK_WINDOW_S: Final = 60

# Parametric QR codes (`qrcode/create`): scene_str 1-64 characters, temporary codes at
# most 30 days, permanent codes at most 100 000 per account (WeChat's qrcode/create
# reference; /work/shared/reference/wechat-protocol.md "Parametric QR codes").
QR_SCENE_STR_MAX: Final = 64
QR_EXPIRE_MAX_S: Final = 2_592_000
QR_EXPIRE_DEFAULT_S: Final = 30
PERMANENT_QR_MAX: Final = 100_000
# Contact ways (`add_contact_way`): state and remark at most 30 characters, at most 100
# members on a multi-person code (type 2); scene 1 mini-program, 2 QR code.
CONTACT_WAY_STATE_MAX: Final = 30
CONTACT_WAY_MEMBERS_MAX: Final = 100
# `send_welcome_msg`: a welcome code works within 20 s of the add event, once, with at
# most 9 attachments (developer.work.weixin.qq.com/document/path/92599).
WELCOME_CODE_TTL_S: Final = 20.0
WELCOME_ATTACHMENTS_MAX: Final = 9

# --- error codes -----------------------------------------------------------
SYSTEM_BUSY: Final = -1
INVALID_CREDENTIAL: Final = 40001  # OA: unknown token (WeCom: wrong corpsecret)
INVALID_GRANT_TYPE: Final = 40002
INVALID_OPENID: Final = 40003
INVALID_MSGTYPE: Final = 40008
INVALID_APPID: Final = 40013  # also WeCom's invalid corpid
WECOM_INVALID_TOKEN: Final = 40014  # WeCom reports an unknown token as 40014
INVALID_OPENID_LIST: Final = 40032
INVALID_PARAMETER: Final = 40058  # WeCom generic; used for spent response codes (unverified)
WECOM_INVALID_TAG_ID: Final = 40068
WECOM_INVALID_TAG_NAME: Final = 40071
WECOM_INVALID_EXTERNAL_USERID: Final = 40096
INVALID_APPSECRET: Final = 40125
MISSING_TOKEN: Final = 41001
MISSING_CORPID: Final = 41002
MISSING_SECRET: Final = 41004
TOKEN_EXPIRED: Final = 42001
DATA_FORMAT_ERROR: Final = 47001
QUOTA_DAILY: Final = 45009
QUOTA_MINUTE: Final = 45011
OUT_OF_SERVICE_WINDOW: Final = 45015
INVALID_TEMPLATE_ID: Final = 40037
REQUIRE_SUBSCRIBE: Final = 43004  # template message to someone who does not follow
SUBSCRIBE_REFUSED: Final = 43101  # subscribe message the user has not accepted
CUSTOM_SEND_LIMIT: Final = 45047
TOO_MANY_TAGS: Final = 45056
TAG_NAME_DUPLICATE: Final = 45157
TAG_NAME_TOO_LONG: Final = 45158
INVALID_TAG_ID: Final = 45159
USER_TAGS_FULL: Final = 45059
WECOM_ALL_TARGETS_INVALID: Final = 81013
WECOM_NO_FOLLOW_RELATION: Final = 84061
WECOM_INVALID_WEBHOOK: Final = 93000
WECOM_AGENT_MISMATCH: Final = 301002
# OA global code 40097 "invalid args" (参数错误): a scene_str or expire_seconds out of range.
OA_INVALID_ARGS: Final = 40097
# WeCom 40031 "不合法的UserID列表", 40032 "不合法的UserID列表长度" (global codes table).
WECOM_INVALID_USERID_LIST: Final = 40031
WECOM_USERID_LIST_LENGTH: Final = 40032
# `send_welcome_msg`: 41051 once the welcome was delivered ("externaluser has started
# chatting"); 41096 while another app is sending it (document/path/92599). A code unknown
# or past its 20 s answers INVALID_PARAMETER here (the docs name no code: unverified).
WELCOME_ALREADY_SENT: Final = 41051
WELCOME_BEING_SENT: Final = 41096
# The group-robot flood answer: the team's notes say 130101, reports seen in
# the wild say 45009 "api freq out of limit"; unverified, so kept in one place.
WEBHOOK_RATE_LIMITED: Final = 45009

# --- customer transfer (在职继承 / 离职继承) ----------------------------------
# `transfer_customer` and `resigned/transfer_customer`: at most 100 customers a call,
# `transfer_success_msg` at most 200 characters; the takeover completes 24 h after the
# call unless the customer refuses; while the member is employed, one customer can be
# transferred at most twice in 90 natural days (developer.work.weixin.qq.com/document/
# path/96325 and 96331).
TRANSFER_CUSTOMERS_MAX: Final = 100
TRANSFER_MSG_MAX: Final = 200
TAKEOVER_DELAY_S: Final = 24 * 3600
TRANSFERS_PER_CUSTOMER_MAX: Final = 2
TRANSFER_WINDOW_S: Final = 90 * 86400
# `transfer_result` status values (document/path/94088).
TRANSFER_DONE: Final = 1
TRANSFER_WAITING: Final = 2
TRANSFER_REFUSED: Final = 3
TRANSFER_RECEIVER_FULL: Final = 4
TRANSFER_NO_RECORD: Final = 5
# A member's customer limit when the simulation sets none (WeCom's default quota is
# large; tests lower it per member with `TransferBook.receiver_limits`).
CUSTOMERS_PER_MEMBER_DEFAULT: Final = 50_000
# `get_unassigned_list` pages at most 1000; `batch/get_by_user` takes at most 100
# userids and pages at most 100 (document/path/92994, 92124).
UNASSIGNED_PAGE_MAX: Final = 1000
BATCH_BY_USER_IDS_MAX: Final = 100
BATCH_BY_USER_PAGE_MAX: Final = 100
# `transfer_result` pages its customers; the fake uses small pages so clients page.
TRANSFER_RESULT_PAGE: Final = 100
# Per-customer codes of the transfer calls (the `customer[].errcode` of the answer), from
# WeCom's global code table as SCRM code quotes it (found with the search tool: Go and
# PHP WeCom SDKs' code tables): 40096 unknown external userid (also the docs' own
# sample); 40128 "客户转接过于频繁（90天内只允许转接一次，同一个客户最多只能转接两次）";
# 40129 "当前客户正在转接中"; 40131 "handover_userid 并不是外部联系人的跟进人".
TRANSFER_TOO_OFTEN: Final = 40128
TRANSFER_IN_PROGRESS: Final = 40129
NOT_THE_FOLLOWER: Final = 40131
# Call-level codes, same table: 40003 an unknown userid; 41035 no external_userid
# (community thread on transfer_customer); 40097 "该成员尚未离职"; 40099 "接替成员的外部
# 联系人数量已达上限"; 40130 "原跟进人与接手人一样，不可继承". More than 100 customers or
# a message over 200 characters answer 40058 here (no code documented: unverified).
WECOM_INVALID_USERID: Final = 40003
MISSING_EXTERNAL_USERID: Final = 41035
MEMBER_NOT_RESIGNED: Final = 40097
SAME_HANDOVER_AND_TAKEOVER: Final = 40130
RECEIVER_CUSTOMERS_FULL: Final = 40099
