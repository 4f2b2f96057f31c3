"""Keyword tables the operations tests publish (CSV text, as ops would save it)."""

from __future__ import annotations

HEADER = "rule,trigger,match,keywords,reply,reply_mode,tags,score,priority\n"

V1 = (
    HEADER
    + "price,text,contains,价格|多少钱,价格表在这里,,询价,30,10\n"
    + "hello,text,exact,你好,你好呀,,,,\n"
    + "fallback,default,contains,,没听懂,,,,\n"
)
V2 = (
    HEADER
    + "price,text,contains,价格|多少钱,新的价格表,,询价,30,10\n"
    + "invoice,text,contains,发票,发票请找财务,,,,\n"
    + "fallback,default,contains,,没听懂,,,,\n"
)
BROKEN = HEADER + "price,texts,contains,价格,价格表,,,,\nprice,text,regex,[ab,x,,,,\n"
