"""One module per exercise; `MOTIONS` maps the exercise name to its motion class."""

from coach.performer.motions.base import Drive, Motion
from coach.performer.motions.bird_dog import BirdDog
from coach.performer.motions.cat_cow import CatCow
from coach.performer.motions.glute_bridge import GluteBridge
from coach.performer.motions.hip_hinge import HipHinge
from coach.performer.motions.side_plank import SidePlank

MOTIONS: dict[str, type[Motion]] = {m.name: m for m in (HipHinge, BirdDog, SidePlank, CatCow, GluteBridge)}

__all__ = ["MOTIONS", "Drive", "Motion"]
