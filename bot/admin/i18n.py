"""The site's words in Chinese (first) and English, and what every template gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from bot.admin.guard import csrf_token
from bot.admin.keys import VIEWER
from bot.admin.roles import Permission, may

LANGS = ("zh", "en")

# key: (中文, English). A key missing here shows as itself, which a test catches.
WORDS: dict[str, tuple[str, str]] = {
    "site": ("wxbot 管理后台", "wxbot admin"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "Name"),
    "password": ("密码", "Password"),
    "wrong_password": ("用户名或密码错误", "Wrong name or password"),
    "locked": ("失败次数过多，账号已锁定至", "Too many failures: locked until"),
    "dashboard": ("概览", "Dashboard"),
    "keywords": ("关键词", "Keywords"),
    "try": ("试一试", "Try a message"),
    "outbox": ("发送队列", "Outbox"),
    "leads": ("线索", "Leads"),
    "people": ("用户画像", "People"),
    "users": ("后台账号", "Admin users"),
    "audit": ("操作日志", "Audit log"),
    "role": ("角色", "Role"),
    "add": ("添加", "Add"),
    "remove": ("删除", "Remove"),
    "save": ("保存", "Save"),
    "when": ("时间", "When"),
    "who": ("操作人", "Who"),
    "action": ("操作", "Action"),
    "target": ("对象", "Target"),
    "detail": ("详情", "Detail"),
    "older": ("更早", "Older"),
    "account": ("公众号", "Account"),
    "shared": ("共享规则", "Shared rules"),
    "live_version": ("线上版本", "Live version"),
    "add_row": ("添加一行", "Add a row"),
    "check": ("检查", "Check"),
    "preview": ("预览发布", "Preview publish"),
    "publish": ("发布", "Publish"),
    "has_errors": ("表格有错误，请修改标红的单元格", "The table has errors: fix the cells in red"),
    "no_changes": ("没有改动", "No changes"),
    "added": ("新增", "Added"),
    "removed": ("删除", "Removed"),
    "changed": ("修改", "Changed"),
    "reordered": ("行顺序变化", "Row order changed"),
    "note": ("备注", "Note"),
    "published": ("已发布版本", "Published version"),
    "history": ("历史版本", "History"),
    "rollback": ("回滚到此版本", "Roll back to this"),
    "upload": ("上传 CSV/XLSX", "Upload CSV/XLSX"),
    "download": ("下载", "Download"),
    "message": ("消息", "Message"),
    "kind": ("类型", "Kind"),
    "text": ("文本", "Text"),
    "click": ("菜单点击", "Menu click"),
    "subscribe": ("扫码关注", "Follow (QR scene)"),
    "scan": ("扫码", "Scan (QR scene)"),
    "at_time": ("时间（HH:MM）", "Time of day (HH:MM)"),
    "use_draft": ("用当前编辑的表格", "Use the table being edited"),
    "fires": ("命中规则", "Rule that fires"),
    "why": ("原因", "Why"),
    "beat": ("被压过的规则", "Rules it beat"),
    "reply_seen": ("粉丝看到的回复", "The reply as the follower sees it"),
    "tags": ("标签", "Tags"),
    "points": ("积分", "Points"),
    "nothing_fires": ("没有规则命中：由兜底回复", "No rule fires: the fallback answers"),
    "pending": ("待发送", "Pending"),
    "retrying": ("重试中", "Retrying"),
    "failed": ("失败", "Failed"),
    "done": ("已发送", "Sent"),
    "retry": ("重试", "Retry"),
    "last_error": ("最后错误", "Last error"),
    "attempts": ("尝试次数", "Attempts"),
    "state": ("状态", "State"),
    "owner": ("负责人", "Owner"),
    "channel": ("渠道", "Channel"),
    "age": ("时长", "Age"),
    "filter": ("筛选", "Filter"),
    "by_state": ("按状态", "By state"),
    "by_owner": ("按销售", "By salesperson"),
    "profile": ("画像", "Profile"),
    "timeline": ("时间线", "Timeline"),
    "notes": ("备注", "Notes"),
    "reassign": ("转给", "Reassign to"),
    "unlock": ("解除免打扰", "Unlock do-not-disturb"),
    "search": ("搜索", "Search"),
    "search_hint": ("openid、手机号或 #编号", "openid, phone or #id"),
    "not_found": ("没有找到", "Nothing found"),
    "lang_switch": ("English", "中文"),
    "forbidden": ("你的角色不能执行此操作", "Your role may not do this"),
    "none": ("无", "none"),
    "lead_alert": ("线索提醒卡片", "Lead alert card"),
    "grade": ("等级", "Grade"),
    "median_claim": ("从成为线索到认领的中位时长", "Median time from qualification to claim"),
    "misses": ("未命中与命中", "Misses and hits"),
    "missed_phrases": ("高频未命中短语", "Frequent unmatched phrases"),
    "phrase": ("短语", "Phrase"),
    "example": ("例句", "Example"),
    "make_rule": ("据此建规则", "Make a rule from this"),
    "hits": ("各规则命中次数", "Hits per rule"),
    "never_fired": ("从未命中", "never fired"),
    "ab_test": ("A/B 回复变体", "A/B reply variants"),
    "went_on_means": (
        "「继续」指粉丝收到该回复后 24 小时内点击菜单、留下手机号或成为线索。"
        "每位粉丝只计入第一次收到的变体；p < 0.05 视为差异显著。",
        '"Went on" means that within 24 h of getting the reply the follower clicked a '
        "menu, left a phone number or became a lead. Each follower counts once, in the "
        "variant they got first; p < 0.05 counts as a significant difference.",
    ),
    "variant": ("变体", "Variant"),
    "got": ("收到人数", "Got it"),
    "went_on": ("继续人数", "Went on"),
    "journeys": ("培育旅程", "Journeys"),
    "journey": ("旅程", "Journey"),
    "no_journeys": ("未配置旅程（[journeys] file）", "No journeys configured ([journeys] file)"),
    "trigger": ("触发", "Trigger"),
    "steps": ("步数", "Steps"),
    "entered": ("进入", "Entered"),
    "active": ("进行中", "Active"),
    "step": ("步骤", "Step"),
    "waiting": ("停留在此步", "Waiting at it"),
    "fired": ("已执行", "Fired"),
    "ended": ("结束原因", "Ended, by reason"),
    "count": ("人数", "Count"),
    "converted_lead": ("转化为线索", "Converted to lead"),
    "converted_won": ("转化为成交", "Converted to won"),
    "funnel_means": (
        "漏斗中「第 N 步」指第 N 步已执行（发送、完成、跳过或无法送达）的旅程数，"
        "含之后已结束的；转化指进入旅程后成为线索（或成交）的人数。",
        '"Step N" in the funnel counts the runs whose step N fired (sent, done, skipped '
        "or unreachable), including runs that ended later; converted counts the people "
        "who became a lead (or won) after entering.",
    ),
    "no_variants": (
        "此期间没有多变体规则的数据",
        "No rule with variants had traffic in this period",
    ),
}


def translator(lang: str) -> Callable[[str], str]:
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str) -> str:
        words = WORDS.get(key)
        return words[index] if words else key

    return t


async def template_context(request: web.Request) -> dict[str, Any]:
    """What every template sees: `t`, the viewer (None on the sign-in page), the CSRF
    token for its forms, and `may` for showing only the buttons a role can use."""
    viewer = request.get(VIEWER)
    session = await get_session(request)
    lang = viewer.lang if viewer else ("en" if session.get("lang") == "en" else "zh")
    return {
        "request": request,
        "t": translator(lang),
        "lang": lang,
        "viewer": viewer,
        "csrf": csrf_token(session),
        "may": lambda permission: viewer is not None and may(viewer.role, Permission(permission)),
    }
