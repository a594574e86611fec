"""A hand-built partner table shared by the community tests (values worked out in the tests).

Service months 0-5; partner 4 leaves in month 3, partner 5 in month 4. Volumes 1, 2, 4, 1, 3.
"""

from __future__ import annotations

import pandas as pd

from journey.schema import Journeys

SOW = {1: [0.5, 0.6, 0.7, 0.8, 0.9, 0.9],
       2: [0.9, 0.9, 0.9, 0.9, 0.8, 0.7],
       3: [0.2, 0.2, 0.3, 0.2, 0.1, 0.1],
       4: [0.6, 0.5, 0.4, 0.3],
       5: [0.65, 0.65, 0.65, 0.65, 0.6]}
BOND_AT_3 = {1: 0.8, 2: 0.3, 3: 0.9, 4: 0.1, 5: 0.5}
EXIT = {4: 3, 5: 4}
# (customer, month, kind); an adopted idea is logged as "idea" and "idea_adopted"
EVENTS = [(1, 1, "idea"), (1, 1, "idea_adopted"), (1, 2, "idea"), (1, 2, "staff_change"),
          (1, 3, "idea"), (1, 3, "idea_adopted"), (1, 5, "staff_change"),
          (3, 1, "idea"), (3, 1, "staff_change"), (3, 3, "idea"), (3, 3, "staff_change"),
          (5, 2, "idea"), (5, 2, "idea_adopted"), (5, 4, "idea"), (5, 4, "idea_adopted"),
          (2, -1, "contact"), (4, 1, "idea")]


def partner_table() -> Journeys:
    rows = []
    for cid, w in SOW.items():
        rows.append({"customer_id": cid, "month": -1, "phase": "courtship",
                     "share_of_wallet": 1.0, "exited": False, "R": 0.0})
        for m, x in enumerate(w):
            rows.append({"customer_id": cid, "month": m, "phase": "service",
                         "share_of_wallet": x, "exited": EXIT.get(cid) == m,
                         "R": BOND_AT_3[cid] if m == 3 else 0.5})
    customers = pd.DataFrame({"customer_id": list(SOW), "is_partner": True, "signed": True,
                              "volume": [1.0, 2.0, 4.0, 1.0, 3.0]})
    events = pd.DataFrame(EVENTS, columns=["customer_id", "month", "kind"])
    return Journeys(customers, events, pd.DataFrame(rows))
