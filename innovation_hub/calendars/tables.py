from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User


class FeedToken(Table, tablename="feed_token"):
    """A private feed's secret, stored only as a digest.

    The token itself is an HMAC of the user, the feed kind and the generation under the app's
    secret key, so the feeds page can show the URL again without storing it; rotating raises
    the generation and replaces the digest, and the old URL answers 404.
    """

    id: Serial
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=20)  # member | staff
    generation = Integer(default=1)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
