"""First and last names from the cultures a European factory floor is made of.

A person gets both names from one culture, so "Mehmet Kowalczyk" does not happen more often than
it would in life. The shares are rough and only meant to look plausible on a demo roster.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Culture:
    name: str
    share: float
    first: tuple[str, ...]
    last: tuple[str, ...]
    phone_prefix: str


CULTURES: tuple[Culture, ...] = (
    Culture(
        "German", 0.24,
        ("Lukas", "Anna", "Jonas", "Laura", "Felix", "Julia", "Tobias", "Sarah", "Stefan",
         "Katrin", "Markus", "Sabine", "Jan", "Lea", "Matthias", "Nina"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Hoffmann", "Schulz", "Koch", "Richter", "Wolf", "Neumann", "Braun", "Zimmermann"),
        "+49 17",
    ),
    Culture(
        "Dutch", 0.10,
        ("Daan", "Sanne", "Bram", "Lotte", "Thijs", "Femke", "Ruben", "Anouk", "Joris", "Eva"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
         "Mulder", "de Boer"),
        "+31 6",
    ),
    Culture(
        "Polish", 0.13,
        ("Piotr", "Agnieszka", "Krzysztof", "Magdalena", "Tomasz", "Katarzyna", "Paweł",
         "Joanna", "Michał", "Ewa", "Łukasz", "Monika"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
         "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Mazur"),
        "+48 60",
    ),
    Culture(
        "Turkish", 0.12,
        ("Mehmet", "Ayşe", "Mustafa", "Fatma", "Emre", "Elif", "Burak", "Zeynep", "Can",
         "Selin", "Hakan", "Esra"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan",
         "Doğan", "Kılıç", "Aslan"),
        "+49 15",
    ),
    Culture(
        "Italian", 0.07,
        ("Marco", "Giulia", "Luca", "Francesca", "Matteo", "Chiara", "Alessandro", "Sara"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
        "+39 34",
    ),
    Culture(
        "Spanish", 0.06,
        ("Javier", "María", "Carlos", "Lucía", "Pablo", "Carmen", "Diego", "Elena"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
         "Pérez"),
        "+34 6",
    ),
    Culture(
        "Portuguese", 0.04,
        ("João", "Ana", "Tiago", "Beatriz", "Rui", "Inês"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa"),
        "+351 91",
    ),
    Culture(
        "Romanian", 0.06,
        ("Andrei", "Ioana", "Mihai", "Elena", "Alexandru", "Andreea", "Florin", "Cristina"),
        ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei"),
        "+40 72",
    ),
    Culture(
        "Arabic", 0.06,
        ("Omar", "Fatima", "Youssef", "Layla", "Karim", "Amina", "Hassan", "Noor", "Samir",
         "Rania"),
        ("Haddad", "Khalil", "Nasser", "Mansour", "Saleh", "Hamdan", "Aziz", "Farouk"),
        "+49 16",
    ),
    Culture(
        "Indian", 0.05,
        ("Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Deepa", "Sanjay", "Kavya"),
        ("Sharma", "Patel", "Singh", "Kumar", "Iyer", "Reddy", "Nair", "Gupta"),
        "+49 17",
    ),
    Culture(
        "Vietnamese", 0.03,
        ("Minh", "Linh", "Tuan", "Huong", "Duc", "Mai"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"),
        "+49 15",
    ),
    Culture(
        "Nigerian", 0.04,
        ("Chinedu", "Ngozi", "Emeka", "Adaeze", "Tunde", "Funmilayo", "Obinna", "Amaka"),
        ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Obi"),
        "+49 17",
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonName:
    first: str
    last: str
    culture: str
    phone_prefix: str


def draw_name(rng: random.Random) -> PersonName:
    culture = rng.choices(CULTURES, weights=[c.share for c in CULTURES], k=1)[0]
    return PersonName(
        rng.choice(culture.first), rng.choice(culture.last), culture.name, culture.phone_prefix
    )


def ascii_slug(text: str) -> str:
    """``"Łukasz Wiśniewski"`` -> ``"lukasz.wisniewski"`` for e-mail addresses."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss").replace("ı", "i")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else "." for c in plain.lower() if c.isascii()).strip(".")
