"""Many rows in one statement: the same rows land as an executemany would put them."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.bulk import insert_new_rows, insert_rows, update_rows
from storage.database import SessionFactory
from storage.models import PointEntry, Profile, ProfileTag
from storage.tagging_models import TimelineEntry

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)

# PostgreSQL's text holds no NUL, whatever the way the rows go.
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
grants = st.lists(
    st.tuples(st.integers(-1000, 1000), st.one_of(st.none(), texts)),
    min_size=0,
    max_size=30,
)


async def _new_profile(connection: AsyncConnection) -> int:
    insert_profile = insert(Profile).values(score=0, created_at=AT, updated_at=AT)
    return int((await connection.execute(insert_profile.returning(Profile.id))).scalar_one())


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=grants)
async def test_inserted_rows_are_the_rows_given_nulls_and_constants_included(
    sessions: SessionFactory, rows: list[tuple[int, str | None]]
) -> None:
    async with sessions.begin() as session:
        connection = await session.connection()
        profile = await _new_profile(connection)
        await insert_rows(
            connection,
            TimelineEntry,
            [
                {"profile_id": profile, "kind": "points", "points": n, "source": s, "at": AT}
                for n, s in rows
            ],
            {"detail": "bulk"},
        )
        stored = (
            await connection.execute(
                select(TimelineEntry.points, TimelineEntry.source, TimelineEntry.detail)
                .where(TimelineEntry.profile_id == profile)
                .order_by(TimelineEntry.id)
            )
        ).all()
        await connection.execute(delete(TimelineEntry).where(TimelineEntry.profile_id == profile))
        await connection.execute(delete(Profile).where(Profile.id == profile))
    assert [tuple(row) for row in stored] == [(n, s, "bulk") for n, s in rows]


async def test_updated_rows_take_each_their_own_values_and_the_rest_stay(
    sessions: SessionFactory,
) -> None:
    async with sessions.begin() as session:
        connection = await session.connection()
        ids = list(
            (
                await connection.execute(
                    insert(Profile).returning(Profile.id, sort_by_parameter_order=True),
                    [{"score": 5, "created_at": AT, "updated_at": AT}] * 4,
                )
            ).scalars()
        )
        later = datetime(2026, 12, 7, tzinfo=UTC)
        await update_rows(
            connection,
            Profile,
            "id",
            [{"id": ids[0], "delta": 10}, {"id": ids[2], "delta": -3}],
            lambda source: {"score": Profile.score + source["delta"], "updated_at": later},
            types={"delta": Integer()},
        )
        await update_rows(connection, PointEntry, "id", [], lambda source: {})  # nothing to do
        rows = (
            await connection.execute(
                select(Profile.score, Profile.updated_at)
                .where(Profile.id.in_(ids))
                .order_by(Profile.id)
            )
        ).all()
    assert [row.score for row in rows] == [15, 5, 2, 5]
    assert [row.updated_at == later for row in rows] == [True, False, True, False]


async def test_identical_rows_are_inserted_as_many_rows(sessions: SessionFactory) -> None:
    # Every column has one value: the columns go as parameters, but one stays an array.
    async with sessions.begin() as session:
        connection = await session.connection()
        profile = await _new_profile(connection)
        same = {"profile_id": profile, "kind": "points", "points": 3, "source": "x", "at": AT}
        await insert_rows(connection, TimelineEntry, [same, same, same])
        count = await connection.scalar(
            select(func.count()).where(TimelineEntry.profile_id == profile)
        )
    assert count == 3


tag_names = st.sets(st.sampled_from("abcdefgh"), max_size=8)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(taken=tag_names, offered=tag_names)
async def test_new_rows_skip_the_taken_ones_and_return_only_what_they_inserted(
    sessions: SessionFactory, taken: set[str], offered: set[str]
) -> None:
    async with sessions.begin() as session:
        connection = await session.connection()
        profile = await _new_profile(connection)
        old = {"profile_id": profile, "source": "old", "created_at": AT}
        await insert_rows(connection, ProfileTag, [{**old, "tag": tag} for tag in sorted(taken)])
        returned = await insert_new_rows(
            connection,
            ProfileTag,
            [{"profile_id": profile, "tag": tag} for tag in sorted(offered)],
            {"source": "new", "created_at": AT},
            unique=("profile_id", "tag"),
            returning=("tag", "source"),
        )
        stored = (
            await connection.execute(
                select(ProfileTag.tag, ProfileTag.source).where(ProfileTag.profile_id == profile)
            )
        ).all()
        await connection.execute(delete(ProfileTag).where(ProfileTag.profile_id == profile))
        await connection.execute(delete(Profile).where(Profile.id == profile))
    assert sorted(returned) == sorted((tag, "new") for tag in offered - taken)
    assert sorted(tuple(row) for row in stored) == sorted(
        [(tag, "old") for tag in taken] + [(tag, "new") for tag in offered - taken]
    )
