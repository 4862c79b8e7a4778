from reinforcement.memory.scheduling import DEFAULT_RATING_MAP, Rating, rating_for
from reinforcement.selectors.memory_models import rating_map


def test_rating_mapping_is_configurable(settings):
    """REINFORCEMENT_RATING_MAP replaces the default map the answer path uses."""
    assert rating_map() == DEFAULT_RATING_MAP
    settings.REINFORCEMENT_RATING_MAP = {**DEFAULT_RATING_MAP, "certain": Rating.GOOD}
    assert (
        rating_for(correct=True, confidence="certain", mapping=rating_map())
        == Rating.GOOD
    )
