package safety

// French phrases. Elisions are written as people type them ("j'ai",
// "n'en"); the apostrophe is dropped on both sides, so "j'ai" and "jai"
// are the same word.
const (
	frWant   = "(je veux|je voudrais|j'aimerais|j'ai envie de|envie de|je vais|je compte|je pense a|je pense à|je songe a|je songe à|besoin de|je suis prete a|je suis pret a|je suis prête à|je suis prêt à|j'ai pense a|j'ai pensé à|l'envie de|tenté de|tentee de|tentée de)"
	frAbuser = "(il|elle|mon mari|mon copain|mon conjoint|mon compagnon|ma femme|ma compagne|ma copine|mon pere|mon père|ma mere|ma mère|mon beau-pere|mon beau-père|ma belle-mere|mon ex|mes parents|mon oncle|mon frere|mon frère)"
)

var french = language{
	code:     "fr",
	negators: []string{"pas", "jamais", "aucunement", "nullement", "non"},
	breakers: []string{"mais", "et", "pourtant", "cependant", "parfois", "sauf que"},
	rules: []rule{
		{Suicide, []string{
			"(disparaitre|disparaître) (pour toujours|pour de bon|a jamais|definitivement|de ce monde)",
			"suicid*", "me suicider", "me tuer", "mettre fin à mes jours", "mettre fin a ma vie", "me foutre en l'air",
			frWant + " (mourir|me tuer|me suicider|mettre fin a mes jours|mettre fin a ma vie|me foutre en l'air|ne plus exister|ne plus me reveiller|ne plus me réveiller|ne jamais me reveiller|ne jamais me réveiller|dormir pour toujours|ne plus etre la|ne plus être là) !(de rire|de honte|d'ennui|de faim|de froid|de fatigue)",
			"(je veux|j'ai envie d'|envie d'|je vais) en finir$",
			frWant + " (disparaitre|disparaître) !(quelques|quelque|pendant|de|du|des|un|une|pour|à|a|en|au|le|ce|cette|dans)",
			"en finir (avec la vie|avec ma vie|avec tout|avec moi|une bonne fois pour toutes$|pour de bon)",
			"je ne veux plus (vivre|exister|être là|etre la|être ici|etre ici|me réveiller|me reveiller|être en vie|etre en vie)",
			"je veux plus (vivre|exister|être là|etre la|me réveiller|me reveiller)",
			"(plus|aucune|pas) (envie|goût|gout|raison|raisons) de vivre",
			"(n'ai|nai|ai) plus (envie|goût|gout|de raison|aucune raison) de vivre",
			"(ils|elles|tout le monde|ma famille|mes enfants|mes proches|le monde|l'équipe|l'equipe) (seraient|serait|seront|sera|iraient|irait) mieux sans moi",
			"mieux sans moi",
			"(je suis|je me sens) (un fardeau|une charge|un poids) (pour tout le monde|pour ma famille|pour les autres|pour mes proches|pour eux)",
			"personne ne (me regretterait|remarquerait mon absence|s'en rendrait compte si je disparaissais)",
			"(je ne vois|je vois) (plus|pas) (l'intérêt|l'interet|le sens|pourquoi|à quoi bon|a quoi bon) (de vivre|de continuer|de la vie|vivre|continuer)",
			"la vie (n'a|na) (plus de|aucun|pas de) sens",
			"(à quoi bon|a quoi bon) (vivre|continuer à vivre|continuer a vivre)",
			"(je donne|j'ai donné|j'ai donne|je distribue|donner) [toutes](mes affaires|mes objets|mes biens|tout ce que j'ai)",
			"(fatigué|fatiguée|fatigue|fatiguee|marre|lasse|las) de (vivre|la vie|exister)",
			"(j'en ai|jen ai|j'ai) marre de (vivre|la vie|exister)",
			"(lettre|lettres|mot) d'adieu",
			"(sauter|me jeter) (d'un|du|de la|d'une|sous le|sous un) (pont|immeuble|toit|fenêtre|fenetre|balcon|train|metro|métro)",
			"(m'a dit|ma dit|dit|a dit|a écrit) (qu'elle|qu'il) (veut|voulait|va) (mourir|se tuer|se suicider|en finir)",
			"(veut|voulait) (se tuer|se suicider|mourir|en finir) !(de rire|de honte)",
			"(avaler|prendre) [toutes](mes|les) (médicaments|medicaments|cachets|pilules) pour (en finir|mourir)",
		}},
		{SelfHarm, []string{
			"automutil*", "auto-mutil*", "scarifi*", "auto-agression*", "autoagression*",
			frWant + " (me faire du mal|me blesser|me couper|me brûler|me bruler|me scarifier|me mutiler|me taillader|me frapper)",
			"(je recommence a|je recommence à|je continue a|je continue à|j'ai recommencé à|j'ai recommence a) (me faire du mal|me couper|me scarifier|me mutiler|me brûler|me bruler|me taillader)",
			"je me (scarifie|mutile|taillade)",
			"je me (coupe|brûle|brule|fais du mal|blesse|frappe) (les bras|les poignets|les cuisses|les jambes|exprès|expres|volontairement|encore|pour me calmer|pour ressentir|pour sentir)",
			"je me suis (coupé|coupée|coupe|coupee|brûlé|brûlée|brule|brulee|scarifié|scarifiée) (exprès|expres|volontairement|encore|les bras|les poignets)",
		}},
		{HarmToOthers, []string{
			"(je veux|j'ai envie de|envie de|je vais|je compte|je pense a|je pense à|je voudrais) (le tuer|la tuer|les tuer|tuer quelqu'un|tuer mon|tuer ma|tuer mes|le poignarder|la poignarder|poignarder|tirer sur|le frapper|la frapper|les frapper|lui faire du mal|leur faire du mal|l'étrangler|l'etrangler|l'empoisonner|les empoisonner|buter)",
			"(je vais|je veux) (le|la|les) (tuer|buter|poignarder) (ce soir|demain|aujourd'hui|pour de vrai|vraiment)",
			"(apporter|emporter|prendre) (une arme|un pistolet|un couteau|un fusil) (au travail|à l'école|a l'ecole|au bureau|au lycée|au lycee)",
			"peur de (faire du mal à|faire du mal a|blesser) (mon bébé|mon bebe|mon enfant|mes enfants|quelqu'un)",
		}},
		{Abuse, []string{
			"violence* (conjugale*|domestique*|familiale*|sexuelle*)", "abus sexuel*", "agression* sexuelle*", "inceste", "harcèlement sexuel", "harcelement sexuel", "maltraitance*",
			frAbuser + " (me frappe|me bat|me battait|me frappait|m'a frappée|m'a frappé|ma frapee|ma frape|m'a battue|m'a battu|me viole|m'a violée|m'a violé|ma violee|ma viole|me menace|m'a menacée|m'a menacé|me maltraite|abuse de moi|a abusé de moi|a abuse de moi|me force|m'étrangle|m'etrangle|m'enferme|menfere)",
			"je suis (battue|battu|violée|violee|maltraitée|maltraitee|maltraité|agressée sexuellement|victime de violence*)",
			"(j'ai été|j'ai ete|jai ete) (violée|violee|violé|viole|agressée|agressee|abusée|abusee|battue|maltraitée|maltraitee)",
			"(menace|menacé|menacée|menace) de (me tuer|me frapper|nous tuer|me faire du mal|prendre mes enfants)",
			"peur de (rentrer chez moi|rentrer à la maison|rentrer a la maison|mon mari|mon conjoint|mon compagnon|mon père|mon pere|mon copain|mon ex)",
			"(je ne suis pas|je suis pas|je ne me sens pas|je me sens pas) en (sécurité|securite) (à la maison|a la maison|chez moi|avec lui|avec elle)",
			"(me force|m'oblige|moblige|m'a forcée|m'a forcée à|m'a forcee) (à|a) (coucher|avoir des rapports|faire des choses)",
			"(il|elle) ne me laisse pas (sortir|voir mes amis|voir ma famille|avoir d'argent)",
		}},
		{Distress, []string{
			"(je n'en peux plus|j'en peux plus|je nen peux plus|jen peux plus|n'en peux plus|nen peux plus) !(de|d') (ce|cet|cette|ces|mon chef|ma cheffe|mon patron|mes collegues|mon boulot|mon travail|attendre|travailler|bosser|ce bruit|ces reunions)",
			"(je ne tiens plus|je tiens plus) [le coup]$",
			"(crise|crises|attaque|attaques) (d'angoisse|de panique|d'anxiété|d'anxiete)",
			"(je n'arrive plus|j'arrive plus|je ne peux plus|je peux plus|je n'arrive pas|j'arrive pas) (à|a) (respirer|arrêter de pleurer|arreter de pleurer|m'arrêter de pleurer|faire face)",
			"je ne peux (plus|pas) respirer",
			"(tout|ma vie) (s'effondre|seffondre|s'écroule|secroule|part en morceaux)",
			"je (m'effondre|meffondre|craque complètement|craque completement|sombre)",
			"je suis (à bout|a bout|au bout du rouleau|désespérée|désespéré|desesperee|desespere|au fond du trou)",
			"(je me sens|je suis) (vide|sans espoir|complètement perdue|completement perdue|complètement perdu|completement perdu) [à l'intérieur|a l'interieur]$",
			"(je me sens|je suis) sans espoir",
			"(je me sens|je suis|je me sens tellement|je suis tellement|je me sens completement|je suis completement|je me sens totalement|je suis totalement) (désespérée|désespéré|desespere|desesperee)",
			"plus rien n'a (de sens|d'importance)",
			"je (ne supporte|supporte) plus rien",
		}},
		{HumanRequest, []string{
			"parler (à|a|avec) (un humain|une humaine|un être humain|un etre humain|une vraie personne|une personne réelle|une personne reelle|quelqu'un de réel|quelqu'un de reel|quelqu'un de vrai)",
			"(je veux|je voudrais|j'aimerais|j'ai besoin de|besoin de|je peux|puis-je|est-ce que je peux|laissez-moi|laisse-moi) parler (à|a|avec) (un thérapeute|un therapeute|une thérapeute|un psy|une psy|un psychologue|une psychologue|un psychiatre)",
			"(je veux|je voudrais|j'ai besoin d'|besoin d'|passez-moi|mettez-moi en contact avec) (un humain|une vraie personne|un être humain|un etre humain|un psy|un thérapeute|un therapeute|un psychologue|une psychologue)",
			"(une vraie personne|un vrai humain|un humain) (à qui parler|a qui parler|pour parler)",
		}},
	},
}
