"""The five demo stores, each an Indonesian small brand with a dozen or so products.

The demo WhatsApp numbers use the 0800 prefix, which no Indonesian mobile line has,
so a click on "Chat on WhatsApp" reaches nobody real.
"""

from catalog.demo.specs import ADMIN, SHOPPERS
from catalog.demo.stores.batik import BATIK
from catalog.demo.stores.camilan import CAMILAN
from catalog.demo.stores.glow import GLOW
from catalog.demo.stores.kopi import KOPI
from catalog.demo.stores.langkah import LANGKAH

STORES = (BATIK, KOPI, GLOW, CAMILAN, LANGKAH)
SELLERS = tuple(store.owner for store in STORES)
PEOPLE = (ADMIN, *SELLERS, *SHOPPERS)
