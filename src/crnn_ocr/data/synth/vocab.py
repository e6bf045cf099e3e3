"""Word lists for the text generator.

Most words come from Faker's ``ru_RU`` providers (MIT licence: lorem words, person names,
cities, streets, jobs, companies). Faker writes ``е`` for ``ё`` and has few words with rare
letters, so :data:`EXTRA_WORDS` (written for this project) adds common words with ё, ъ, щ, э,
ю, ф, ц, ж, ш, й and function words. All lists are filtered to the target character set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

_EXTRA_TEXT = """
и в во не на что с со по к ко как из за от до для о об при про без над под же ли бы уже ещё
всё её ещё всего этот эта это эти тот та то те он она оно они мы вы я ты кто где когда почему
ёлка ёж ёмкость ёрш ёлочный ёжик ёкнуть ёршистый
жёлтый зелёный тёмный лёгкий тёплый чёрный весёлый учёный ребёнок берёза решётка пёстрый
идёт несёт ведёт живёт поёт даёт встаёт берёт зовёт самолёт полёт счёт отчёт расчёт мёд
объект подъезд съезд объявление въезд разъезд объяснение отъезд субъект изъян адъютант
съёмка объём подъём съесть объединение сверхъестественный предъявить объятие изъятие
щука площадь общество защита товарищ помощь щит щёки щётка овощи ящик плащ роща мощный
это этаж экран эхо поэт дуэль эпоха электричество экзамен эксперт экономика эффект эскиз
юг юность люди любовь юбка тюльпан бюро юмор юноша вьюга каюта салют уют меню парашют
фонарь фабрика график философия фото фамилия телефон фрукт фея шкаф кофе физика флаг
царь цветок улица птица центр цифра цена лицо отец конец цирк цепь огурец пуговица
жизнь жук жёлудь нож кожа ложка журнал пожар ужин вежливый
шапка школа шум каша ширь шёпот шёлк шофёр
йогурт йод район майор война край чайник
"""
EXTRA_WORDS = _EXTRA_TEXT.split()


def _keep(items: object, charset: str) -> tuple[str, ...]:
    """Unique strings made only of ``charset`` characters, in a stable order."""
    allowed = set(charset)
    seen: dict[str, None] = {}
    for item in items:  # type: ignore[attr-defined]
        if isinstance(item, str) and item and set(item) <= allowed:
            seen.setdefault(item, None)
    return tuple(seen)


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Word lists restricted to a character set."""

    words: tuple[str, ...]
    first_male: tuple[str, ...]
    first_female: tuple[str, ...]
    middle_male: tuple[str, ...]
    middle_female: tuple[str, ...]
    last_male: tuple[str, ...]
    last_female: tuple[str, ...]
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    street_kinds: tuple[str, ...]
    regions: tuple[str, ...]
    jobs: tuple[str, ...]
    companies: tuple[str, ...]
    by_char: dict[str, tuple[str, ...]]
    """Character -> words holding it (for the rare-character sampler)."""

    def words_with(self, ch: str) -> tuple[str, ...]:
        return self.by_char.get(ch, ())


def _index(pool: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in pool:
        for ch in set(word):
            index.setdefault(ch, []).append(word)
    return {ch: tuple(words) for ch, words in index.items()}


@cache
def load_vocabulary(charset: str) -> Vocabulary:
    """All word lists, filtered to ``charset`` (cached per process)."""
    from faker.providers.address.ru_RU import Provider as Address
    from faker.providers.company.ru_RU import Provider as Company
    from faker.providers.job.ru_RU import Provider as Job
    from faker.providers.lorem.ru_RU import Provider as Lorem
    from faker.providers.person.ru_RU import Provider as Person

    regions = [f"{r} обл." for r in Address.region_oblast] + [
        f"{r} край" for r in Address.region_krai
    ] + [f"Республика {r}" for r in Address.region_republics]
    words = _keep([*Lorem.word_list, *EXTRA_WORDS], charset)
    cities = _keep(Address.city_names, charset)
    streets = _keep(list(Address.street_titles) + list(Address.street_titles_noflex), charset)
    last_male = _keep(Person.last_names_male, charset)
    return Vocabulary(
        words=words,
        first_male=_keep(Person.first_names_male, charset),
        first_female=_keep(Person.first_names_female, charset),
        middle_male=_keep(Person.middle_names_male, charset),
        middle_female=_keep(Person.middle_names_female, charset),
        last_male=last_male,
        last_female=_keep(Person.last_names_female, charset),
        cities=cities,
        streets=streets,
        street_kinds=_keep(Address.street_suffixes, charset),
        regions=_keep(regions, charset),
        jobs=_keep(Job.jobs, charset),
        companies=_keep(Company.large_companies, charset),
        by_char=_index(words + cities + streets + last_male),
    )
