"""The transfer calls a hand-over makes: each customer once, one receiver and ≤ 100 a call."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from leads.customer_moves import plan_sends
from leads.transfer_limits import TRANSFER_BATCH_MAX

receivers = st.sampled_from(["lisi", "wangwu", "boss", "zhaoliu"])


@given(st.lists(receivers, max_size=450), st.booleans())
def test_every_row_once_in_calls_of_one_receiver_and_at_most_100(
    owners: list[str], employed: bool
) -> None:
    rows = list(enumerate(owners, 1))
    sends = plan_sends(9, "zhangsan", rows, employed, "您好" if employed else None)
    sent = [(row_id, send.to_userid) for send in sends for row_id in send.transfer_ids]
    assert sorted(sent) == sorted(rows)
    assert all(0 < len(send.transfer_ids) <= TRANSFER_BATCH_MAX for send in sends)
    per_receiver = Counter(send.to_userid for send in sends)
    assert per_receiver == {
        who: math.ceil(count / TRANSFER_BATCH_MAX) for who, count in Counter(owners).items()
    }
    assert all(send.handover_id == 9 and send.employed == employed for send in sends)


def test_250_to_one_receiver_is_three_calls() -> None:
    sends = plan_sends(1, "zhangsan", [(i, "lisi") for i in range(250)], True, None)
    assert [len(send.transfer_ids) for send in sends] == [100, 100, 50]
