"""The words for the codes the site shows: lead states, job kinds, tag kinds, roles...

Each code the data holds (a stored state, a job kind, an enum value) has an English
label marked for the catalogs; `Reader.label` translates it. A code missing here
(written by a newer release) shows as itself, where the reading test catches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from filecheck.wording import N_
from journeys.definition import ActionKind
from keywords.rules import MatchMode, ReplyMode, ReplyType, Trigger
from leads.lifecycle import LeadState

LEAD_STATE: dict[str, str] = {
    LeadState.NEW: N_("New"),
    LeadState.CONTACTING: N_("Contacting"),
    LeadState.UNCLEAR: N_("Intent unclear"),
    LeadState.INTENT: N_("Clear intent"),
    LeadState.BOOKED: N_("Booked"),
    LeadState.WON: N_("Won"),
    LeadState.DORMANT: N_("Dormant"),
    LeadState.LOST: N_("Lost"),
}
LEAD_EVENT = {
    "created": N_("Became a lead"),
    "assigned": N_("Assigned"),
    "pooled": N_("Went to the pool"),
    "claimed": N_("Claimed"),
    "claim_timeout": N_("Not claimed in time"),
    "state": N_("State changed"),
    "note": N_("Note"),
    "transferred": N_("Transferred"),
    "escalated": N_("Follow-up reminder"),
    "reclaimed": N_("Taken back to the pool"),
    "dormant": N_("Went dormant"),
    "revived": N_("Active again"),
    "unlocked": N_("Unlocked"),
    "contact_added": N_("Added on WeCom"),
    "contact_deleted": N_("Removed on WeCom"),
    "graded": N_("Grade"),
    "customer_transferred": N_("WeCom customer moved to the new owner"),
    "customer_transfer_failed": N_("WeCom customer transfer failed"),
    "customer_mismatch": N_("WeCom customer not with the owner"),
}
# Where a lead's WeCom customer transfer stands (`customer_transfers.state`).
TRANSFER_STATE = {
    "queued": N_("Queued"),
    "waiting": N_("Waiting for WeCom's 24-hour takeover"),
    "done": N_("Moved"),
    "refused": N_("Refused by the customer"),
    "receiver_full": N_("The receiver is at their customer limit"),
    "no_record": N_("Not a customer of the previous owner"),
    "limit_reached": N_("Already transferred twice in 90 days"),
    "failed": N_("Refused by WeCom"),
}
JOB_KIND = {
    "lead.alert": N_("Lead alert card"),
    "lead.digest": N_("Lead digest"),
    "lead.handover_digest": N_("Hand-over digest"),
    "lead.contact_added": N_("New WeCom contact"),
    "wecom.text": N_("Notice to staff"),
    "wecom.update_card": N_("Card update"),
    "wechat.custom_send": N_("Customer-service message"),
    "tags.oa_sync": N_("Tag sync to the official account"),
    "tags.wecom_sync": N_("Tag sync to WeCom"),
    "profile.fetch_unionid": N_("Follower info lookup"),
    "profile.refresh": N_("Profile refresh"),
    "journey.send": N_("Journey message"),
    "channel.codes": N_("Channel codes"),
    "transfer.send": N_("WeCom customer transfer"),
    "transfer.poll": N_("WeCom customer transfer check"),
}
JOB_STATE = {
    "failed": N_("Failed"),
    "retrying": N_("Retrying"),
    "pending": N_("Waiting"),
    "done": N_("Sent"),
    "all": N_("All"),
}
TAG_CATEGORY = {
    "attribute": N_("Attributes"),
    "behavior": N_("Behaviour"),
    "value": N_("Value"),
}
# The first part of a tag's or a timeline entry's source ("keyword:price").
SOURCE = {
    "keyword": N_("Keyword rule"),
    "counter": N_("Counter rule"),
    "tier": N_("Tier rule"),
    "touch": N_("Channel touch"),
    "touch:first": N_("First touch"),
    "touch:last": N_("Last touch"),
    "contact": N_("Contact left"),
    "message": N_("Message"),
    "event": N_("Event"),
    "leads": N_("Lead scoring"),
    "wecom": N_("WeCom"),
    "wecom:contact_way": N_("Contact-me code"),
    "journey": N_("Journey"),
    "user/info": N_("Follower info"),
    "unionid": N_("Same unionid"),
    "phone": N_("Same phone"),
    "expiry": N_("Expiry"),
    "unsubscribe": N_("Unfollow"),
    "sales": N_("WeCom contact"),
}
TIMELINE = {
    "tag_added": N_("Tag added"),
    "tag_removed": N_("Tag removed"),
    "tag_expired": N_("Tag expired"),
    "points": N_("Points"),
    "merged": N_("Profiles merged"),
    "identity_linked": N_("Identity linked"),
    "phone": N_("Phone left"),
    "wechat_id": N_("WeChat ID left"),
    "channel": N_("Channel"),
    "subscribed": N_("Followed"),
    "unsubscribed": N_("Unfollowed"),
}
IDENTITY = {
    "openid": N_("Official account follower"),
    "external_userid": N_("WeCom customer"),
}
ROLE = {"ops": N_("Ops"), "manager": N_("Manager"), "viewer": N_("Viewer")}
AUDIT_ACTION = {
    "user.add": N_("Added an admin user"),
    "user.passwd": N_("Set a password"),
    "user.remove": N_("Removed an admin user"),
    "user.locked": N_("Locked after failed sign-ins"),
    "keywords.publish": N_("Published a keyword table"),
    "keywords.rollback": N_("Rolled a keyword table back"),
    "menus.publish": N_("Published the menu"),
    "menus.rollback": N_("Rolled the menu back"),
    "channels.publish": N_("Published the channel table"),
    "channels.rollback": N_("Rolled the channel table back"),
    "lead.reassign": N_("Reassigned a lead"),
    "lead.unlock": N_("Unlocked a lead"),
    "team.seed": N_("Seeded the sales team from the config"),
    "team.add": N_("Added a salesperson"),
    "team.edit": N_("Changed a salesperson"),
    "team.leave": N_("Gave a salesperson leave"),
    "team.left": N_("Marked a salesperson as left"),
    "team.return": N_("Brought a salesperson back"),
    "team.remove": N_("Removed a salesperson"),
    "team.handover": N_("Handed leads over"),
    "outbox.retry": N_("Retried a job"),
}
TEAM_FIELD = {
    "name": N_("name"),
    "tags": N_("tags taken first"),
    "max_open": N_("open leads at most"),
    "manager": N_("manager"),
    "deputy": N_("deputy"),
    "status": N_("status"),
    "away_until": N_("back on"),
}
TEAM_STATUS = {"active": N_("At work"), "away": N_("On leave"), "left": N_("Left the company")}
RUN_STATUS = {"active": N_("In progress"), "done": N_("Finished"), "exited": N_("Left")}
JOURNEY_TRIGGER = {
    "tag": N_("Tag added"),
    "rule": N_("Keyword rule fired"),
    "click": N_("Menu click"),
    "follow": N_("Follow"),
    "grade": N_("Grade reached"),
    "lead": N_("Lead state reached"),
    "contact_added": N_("Added on WeCom"),
    "segment": N_("Started by hand for a segment"),
}
ACTION: dict[str, str] = {
    ActionKind.TEXT: N_("Text message"),
    ActionKind.NEWS: N_("Article card"),
    ActionKind.IMAGE: N_("Image"),
    ActionKind.MINIPROGRAM: N_("Mini-program card"),
    ActionKind.TEMPLATE: N_("Template message"),
    ActionKind.SUBSCRIBE: N_("Subscription message"),
    ActionKind.WECOM: N_("Message through the WeCom owner"),
    ActionKind.REMIND: N_("Reminder to the owner"),
    ActionKind.ADD_TAGS: N_("Add tags"),
    ActionKind.REMOVE_TAGS: N_("Remove tags"),
    ActionKind.ADD_POINTS: N_("Add points"),
}
# How a journey message is sent, in the order a step tries them (`journeys.sends`).
SEND_CHANNEL = {
    "custom": N_("customer-service message"),
    "template": N_("template message"),
    "subscribe": N_("subscription message"),
    "wecom": N_("message through the WeCom owner"),
    "remind": N_("reminder to the owner"),
}
EXIT_REASON = {
    "finished": N_("Finished every step"),
    "restarted": N_("Started over"),
    "journey removed": N_("Journey removed"),
    "profile gone": N_("Person merged away"),
}
# Short words: they fill the grid's dropdowns, a column each at 1366 px.
TRIGGER: dict[str, str] = {
    Trigger.TEXT: N_("Text"),
    Trigger.CLICK: N_("Menu click"),
    Trigger.SUBSCRIBE: N_("Follow"),
    Trigger.SCAN: N_("Scan"),
    Trigger.DEFAULT: N_("Fallback"),
}
MATCH: dict[str, str] = {
    MatchMode.CONTAINS: N_("Contains"),
    MatchMode.EXACT: N_("Exact"),
    MatchMode.REGEX: N_("Regex"),
    MatchMode.WORD: N_("Word"),
}
REPLY_TYPE: dict[str, str] = {
    ReplyType.TEXT: N_("Text"),
    ReplyType.IMAGE: N_("Image"),
    ReplyType.NEWS: N_("Articles"),
    ReplyType.NONE: N_("No reply"),
}
REPLY_MODE: dict[str, str] = {ReplyMode.RANDOM: N_("Random"), ReplyMode.ALL: N_("Send all")}
COLUMN = {
    "rule": N_("Rule"),
    "trigger": N_("Trigger"),
    "match": N_("Match"),
    "keywords": N_("Keywords"),
    "reply_type": N_("Reply type"),
    "reply": N_("Reply"),
    "reply_mode": N_("Variants"),
    "tags": N_("Tags"),
    "score": N_("Points"),
    "priority": N_("Priority"),
    "enabled": N_("On"),
    "hours": N_("Hours"),
}
COLUMN_VALUES = {
    "trigger": TRIGGER,
    "match": MATCH,
    "reply_type": REPLY_TYPE,
    "reply_mode": REPLY_MODE,
}
FUNNEL = {
    "followers": N_("Followers"),
    "tagged": N_("Tagged"),
    "qualified": N_("Leads"),
    "claimed": N_("Claimed"),
    "won": N_("Won"),
}
# A channel's counted figures (`storage.channels.models.COUNTS`), as its pages name them.
CHANNEL_COUNT = {
    "scans": N_("Scans"),
    "follows": N_("New follows"),
    "refollows": N_("Re-follows"),
    "unfollows": N_("Unfollows"),
    "adds": N_("WeCom adds"),
    "deleted_by_staff": N_("Deleted by staff"),
    "deleted_by_customer": N_("Deleted by the customer"),
    "tagged": N_("Tagged"),
    "leads": N_("Leads"),
    "claimed": N_("Claimed"),
    "won": N_("Won"),
}
# Weekdays in order (0 = Monday), keyed as channels.toml writes them.
WEEKDAY = {
    "mon": N_("Mon"), "tue": N_("Tue"), "wed": N_("Wed"), "thu": N_("Thu"), "fri": N_("Fri"),
    "sat": N_("Sat"), "sun": N_("Sun"),
}  # fmt: skip
ATTACHMENT = {"image": N_("Image"), "link": N_("Link"), "miniprogram": N_("Mini program")}
QR_KIND = {"temporary": N_("Temporary"), "permanent": N_("Permanent")}

# Enum fields of a `Wording` are shown through these (a check message's "text rule").
BY_ENUM: Mapping[type[StrEnum], Mapping[str, str]] = {
    Trigger: TRIGGER,
    MatchMode: MATCH,
    ReplyType: REPLY_TYPE,
    ReplyMode: REPLY_MODE,
    LeadState: LEAD_STATE,
    ActionKind: ACTION,
}
