"""Closed-class words (articles, pronouns, auxiliaries, prepositions, conjunctions) of many languages.

A closed-class word is written in lowercase in mid-sentence and is not a name, in every language that has case:
rule K uses them to tell a new message's capital from a name when the text has not written the word yet.  The
list is broad on purpose (English, French, Spanish, Portuguese, Italian, German, Dutch, the Scandinavian
languages, Polish, Czech, Slovak, Croatian, Romanian, Hungarian, Turkish, Indonesian, Swahili, Tagalog, Russian,
Ukrainian, Greek); words that are also common names or month names ("may", "will", "mark", "den") are left out.
"""

from __future__ import annotations

__all__ = ["ARTICLES", "FUNCTION_WORDS", "PREDICATE_WORDS"]

_ENGLISH = """
a an the this that these those some any each every either neither no none all both several many much few
i me my mine you your yours he him his she her hers it its we us our they them their theirs one ones
who whom whose which what where when why how whether if because although though while until unless since
and or but nor so yet than then also too very just only even still already again almost about above across
after against along among around at before behind below beneath beside between beyond by down during except
for from in inside into like near of off on onto out outside over past per through throughout to toward towards
under underneath unlike up upon via with within without is are was were be been being am do does did done
doing have has had having can could shall should would might must need needs ought not never always often
usually sometimes there here instead rather quite enough more most less least other another such same own
"""
_ROMANCE = """
le la les un une des du de au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur
leurs je tu il elle nous vous ils elles on qui que quoi dont où et ou mais donc ni car est sont était être
avoir ont avait pour par sur sous dans avec sans chez entre vers pendant depuis comme très plus moins aussi
pas jamais toujours encore déjà ne se lui y en
el los las unos unas del al este esta estos estas ese esa esos esas su sus mi mis tu tus yo él ella ellos
ellas nosotros usted ustedes que quien cual cuando donde como porque pero y o ni es son era fue ser estar
está están hay para por con sin sobre entre hasta desde muy más menos también nunca siempre ya todavía lo se
o os as um uma uns umas do da dos das no na nos nas ao aos pelo pela pelos pelas seu sua seus suas eu ele ela
eles elas você vocês é são foi ser estar está estão tem têm para com sem sobre entre até desde muito mais
menos também nunca sempre já ainda não
il lo gli i uno una dei degli delle della dello nel nella nei negli sul sulla col io lui lei noi voi loro
che chi cui quando dove come perché ma e o né è sono era essere avere ha hanno per con senza tra fra molto
più meno anche mai sempre già ancora non si ci
"""
_GERMANIC = """
der die das dem des ein eine einen einem einer eines ich du er es wir mein dein unser euer
und oder aber denn sondern wenn weil dass ob als wie wo ist sind war waren sein haben hat hatte wird werden
wurde kann können muss müssen soll sollen will wollen darf mit ohne für gegen durch um bei nach von vor zu aus
über unter zwischen auf an in im am zum zur vom sehr auch noch schon nicht nie immer
de het een en of maar want omdat dat als wie wat waar is zijn was waren heeft hebben kan kunnen moet met
zonder voor door naar van op aan bij uit over onder tussen niet nooit altijd ook nog al
och eller men att som är var har hade kan ska med utan för av på till från om under mellan inte aldrig
alltid också og eller men at som er var har hadde kan skal med uten av til fra ikke aldri alltid også
"""
_SLAVIC_ETC = """
i a ale lub albo oraz że bo czy jak gdy jest są był była było być ma mają może można się nie na w we z ze do
od po przy przez dla bez pod nad za o u jego jej ich ten ta to te tego tej
a ale nebo že protože když jak je jsou byl byla bylo být má mají může se si na v ve z ze do od po při pro
bez pod nad za o u jeho její jejich ten ta to ty
și sau dar că este sunt era fi are au poate se nu pe în la cu de din pentru fără sub peste între
és vagy de hogy mert ha mint van vannak volt lesz nem is egy az a ez azt ezt
ve veya ama ile için gibi kadar daha çok bir bu şu o da de mi ki değil
dan atau tetapi tapi karena jika yang adalah ini itu ada akan sudah belum tidak bukan dengan untuk dari ke
di pada dalam oleh juga sangat lebih
na au lakini kwa ya wa za la kama kwamba ni si katika bila sana pia
ang ng mga sa at o pero dahil kung ay hindi rin din
и или но а что чтобы как когда если это этот эта эти был была было были быть есть не ни на в во с со к ко
от до по за из у о об при для без под над между он она оно они мы вы я ты его её их очень уже ещё тоже
і або але що щоб як коли якщо це цей ця ці був була було були бути є не ні на в у з зі до від по за із
про при для без під над між він вона воно вони ми ви я ти його її їх дуже вже ще теж також
και ή αλλά ότι αν όταν που ο η το οι τα του της των τον την ένα μια ένας είναι ήταν με σε για από προς χωρίς
δεν μη πολύ πιο επίσης
"""
#: Words after which a sentence goes on with a verb, a noun or an adjective far more often than with a name:
#: subject pronouns, possessive determiners, auxiliaries, modals and the copula.
_PREDICATE = """
my your his its our their mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs mi mis tus su sus
nuestro nuestra meu minha seu sua nosso nossa mio mia suo nostro mein dein unser euer
i you he she it we they who which there is are was were be been being am do does did have has had can
could shall should would might must not never also often always usually
il elle ils elles nous vous je tu est sont était être ont avait peut doit ne pas
yo él ella ellos ellas es son era fue ser estar está están puede debe no
eu ele ela eles elas é são foi está estão pode deve não
io lui lei noi voi loro è sono era può deve non
ich du er es wir ist sind war waren wird werden kann muss soll nicht
"""

FUNCTION_WORDS: frozenset[str] = frozenset((_ENGLISH + _ROMANCE + _GERMANIC + _SLAVIC_ETC).split())
PREDICATE_WORDS: frozenset[str] = frozenset(_PREDICATE.split())

#: Articles, after which a name comes as often as a common word except in a text that writes few names.
ARTICLES: frozenset[str] = frozenset(
    """the a an le la les un une el los las unos unas o os um uma umas il lo gli uno una het een
    ein eine einen""".split()
)
