package safety

// German phrases. Umlauts and ß normalise away, so "müde", "muede" and
// "mude" differ only in the spelling people choose ("ue" is written out
// where it is common).
//
// "Das bringt mich um" ("this is killing me") is an idiom and is not
// matched; "ich bringe mich um" (first person, reflexive) is.
const (
	deWant   = "(will|möchte|moechte|mochte|würde gern|würde gerne|wünsche mir|wuensche mir|denke daran|denke darüber nach|plane|habe vor|hab vor|möchte am liebsten|will einfach|will nur noch|möchte nur noch)"
	deAbuser = "(er|sie|mein mann|mein freund|mein partner|meine partnerin|meine frau|meine freundin|mein vater|meine mutter|mein stiefvater|meine stiefmutter|mein ex|meine eltern|mein onkel|mein bruder)"
)

var german = language{
	code:     "de",
	negators: []string{"nicht", "nie", "niemals", "kein", "keine", "keinen", "nimmer"},
	breakers: []string{"aber", "und", "doch", "jedoch", "sondern", "manchmal", "trotzdem"},
	rules: []rule{
		{Suicide, []string{
			"suizid*", "selbstmord*", "freitod", "lebensmüde", "lebensmuede", "mich umbringen", "mich umzubringen", "mir das leben (nehmen|zu nehmen)", "mich töten", "mich toeten", "mich zu töten",
			deWant + " ~ (sterben|tot sein|nicht mehr leben|nicht mehr aufwachen|nie wieder aufwachen|nicht mehr da sein|nicht mehr existieren|verschwinden für immer|für immer verschwinden|fuer immer verschwinden|einschlafen und nicht mehr aufwachen) !(vor lachen|vor scham)",
			"[ich ](bringe|bring) mich [noch ]um$",
			"[ich ](bringe|bring) mich (heute|morgen|bald|jetzt) um",
			"[ich ]will nicht mehr (leben|aufwachen|da sein|existieren|weiterleben|auf dieser welt sein|hier sein)",
			"[ich ]möchte nicht mehr (leben|aufwachen|da sein|existieren|weiterleben|hier sein)",
			"(mein|dem|meinem) leben (beenden|ein ende setzen|ein ende machen)",
			"(dem|allem) (ganzen|ganze) ein ende (setzen|machen|bereiten)$",
			"(alle|alle anderen|jeder|meine familie|meine kinder|die welt|das team|meine eltern|mein mann|meine frau) (wären|waeren|waren|wäre|waere|ware|sind|ist) [ohne mich ]besser dran [ohne mich]",
			"besser [dran ]ohne mich",
			"(bin|fühle mich wie) (allen|jedem|meiner familie|allen anderen) [nur ](eine last|zur last)",
			"(bin|fühle mich wie) [nur ]eine last (für alle|für meine familie|für alle anderen|fuer alle)",
			"niemand würde mich vermissen", "niemand wuerde mich vermissen",
			"(sehe|seh|finde) keinen sinn [mehr ](im leben|zu leben|weiterzuleben|darin weiterzuleben|in meinem leben|am leben|mehr zu leben|weiter zu leben|im weiterleben)",
			"[das ]leben (hat|macht|ergibt) (keinen|für mich keinen|fuer mich keinen) sinn [mehr]",
			"(kein|keinen) grund [mehr ](zu leben|weiterzuleben|weiter zu leben|zum leben)",
			"(verschenke|verschenkt|verschenken|habe verschenkt|hab verschenkt) ~ (meine sachen|meine sachen|all meine sachen|alles was ich habe|meine besitztümer)",
			"(habe|hab) ~ (meine sachen|alles|all meine sachen) verschenkt",
			"(abschiedsbrief|abschiedsbriefe|abschiedsbriefen)",
			"(müde|muede|satt|leid) (vom leben|zu leben|das leben)",
			"(will|möchte|moechte) nie (wieder|mehr) aufwachen",
			"(von|vor) (einer|der|einer) (brücke|bruecke|zug|dach|hochhaus) (springen|werfen)",
			"(vor den|vor einen) zug (werfen|springen)",
			"(hat gesagt|sagte|schrieb|meinte|hat geschrieben) (sie|er) (will|wolle|möchte|moechte) (sterben|sich umbringen|nicht mehr leben)",
			"(will|möchte|moechte|wollte) sich (umbringen|das leben nehmen|töten|toeten)",
			"(alle|meine) (tabletten|pillen) (nehmen|schlucken)",
		}},
		{SelfHarm, []string{
			"selbstverletz*", "ritze mich", "ritzen mich", "mich ritzen", "mich zu ritzen", "mich geritzt", "ritze ich mich",
			deWant + " ~ (mich|mir) [selbst ](verletzen|wehtun|weh tun|schneiden|ritzen|verbrennen|schaden|schlagen)",
			"(mich|mir) selbst (verletzen|wehtun|weh tun|weh zu tun|zu verletzen|schneiden|verbrennen|schaden)",
			"(schneide|verletze|verbrenne) mich (absichtlich|wieder|selbst|an den armen|in die arme)",
			"(habe|hab) mich (wieder|absichtlich|selbst) (geschnitten|verletzt|verbrannt|geritzt)",
			"(narben|schnitte|wunden) an (meinen|den) (armen|handgelenken|beinen) (vom ritzen|absichtlich)",
		}},
		{HarmToOthers, []string{
			"(will|werde|möchte|moechte|plane|denke daran) (ihn|sie|jemanden|jemand|meinen chef|meine chefin|meinen mann|meine frau|meinen vater|meine mutter|meinen nachbarn|meine kollegin|meinen kollegen|alle) ~ (umbringen|töten|toeten|erstechen|erschießen|erschiessen|erwürgen|vergiften|verletzen|abstechen|zusammenschlagen)",
			"[ich ](bringe|bring) (ihn|sie|dich|euch|jemanden) um$",
			"[ich ](bringe|bring) (ihn|sie|dich|euch|jemanden) (heute|morgen|wirklich|echt) um",
			"(eine waffe|ein messer|eine pistole) [mit ](zur arbeit|zur schule|ins büro|ins buero) (mitnehmen|bringen|nehmen)",
			"angst [davor ](mein baby|meinem baby|meinem kind|meinen kindern|jemandem) [etwas ](anzutun|wehzutun|weh zu tun)",
		}},
		{Abuse, []string{
			"häusliche gewalt", "haeusliche gewalt", "gewalt in der (ehe|beziehung|familie)", "sexueller missbrauch", "sexuell missbraucht", "sexuelle gewalt", "sexuelle belästigung", "kindesmissbrauch", "vergewaltig*",
			deAbuser + " (schlägt|schlaegt|schlug|verprügelt|verpruegelt|missbraucht|bedroht|würgt|wuergt|tritt|vergewaltigt|misshandelt|sperrt) (mich|uns) !(beim|im|bei|in|um|haushoch|immer beim|jedes mal beim|mit)",
			deAbuser + " (hat|haben) mich (geschlagen|verprügelt|verpruegelt|missbraucht|bedroht|gewürgt|gewuergt|getreten|misshandelt|eingesperrt)",
			"(wurde|werde|bin) (missbraucht|misshandelt|geschlagen|vergewaltigt|verprügelt|verpruegelt)",
			"(droht|drohte|hat gedroht|bedroht mich) ~ (mich umzubringen|mich zu töten|mich zu toeten|mich zu schlagen|mir die kinder)",
			"angst [vor ](meinem mann|meinem partner|meinem freund|meinem vater|meiner mutter|meinem stiefvater|meinem ex|ihm)",
			"angst (nach hause zu gehen|heimzugehen|nach hause zu kommen)",
			"(zu hause|zuhause|daheim) (nicht sicher|in gefahr)",
			"(zwingt|zwang|hat gezwungen) mich (zum sex|zu sex|zu sexuellen)",
			"lässt mich nicht (aus dem haus|meine freunde sehen|meine familie sehen)",
		}},
		{Distress, []string{
			"[ich ]kann [einfach |echt |wirklich ]nicht mehr$",
			"[ich ]kann nicht mehr (atmen|weiter|weitermachen|aufhören zu weinen|aufhoeren zu weinen)",
			"[ich ]halte (das|es|das alles) nicht mehr aus",
			"panikattacke*", "angstattacke*", "nervenzusammenbruch",
			"[ich ](bekomme|kriege|krieg|bekomm) keine luft",
			"alles (bricht|fällt|faellt) (zusammen|auseinander)",
			"(mein leben|meine welt) (bricht|fällt|faellt) (zusammen|auseinander)",
			"[ich ](breche|brech) zusammen",
			"[ich ]schaffe (das|es) [alles ]nicht mehr$",
			"[ich ]bin [völlig |voellig |total |komplett ]am ende$",
			"[ich ]bin [völlig |voellig |total |so |komplett ]verzweifelt",
			"[ich ]fühle mich [so |völlig |total ](hoffnungslos|leer|verzweifelt)",
			"[ich ]bin [so |völlig |total ]hoffnungslos",
			"nichts (hat|macht) [mehr ]sinn$",
			"[ich ]will nicht mehr$",
		}},
		{HumanRequest, []string{
			"[mit ](einem|einer) (echten|realen|richtigen|lebenden) (menschen|person|mensch) (sprechen|reden|schreiben)",
			"(will|möchte|moechte|mochte|muss|brauche|kann ich|könnte ich|darf ich|würde gern|würde gerne) mit (einem|einer) (menschen|therapeuten|therapeutin|psychologen|psychologin|psychiater|psychiaterin) (sprechen|reden|schreiben)",
			"(will|möchte|moechte|brauche) (einen|eine) (menschen|therapeuten|therapeutin|psychologen|psychologin|echten menschen)",
		}},
	},
}
