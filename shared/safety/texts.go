package safety

// answerText is the fixed escalation answer in one language. It is warm
// and plain, makes no diagnosis, gives no advice beyond reaching a
// person, and says what the coach is: software that cannot help here.
type answerText struct {
	opening map[Category]string
	body    string
	// emergency holds {number}; emergencyLocal is used when the region
	// has no entry.
	emergency, emergencyLocal string
	emergencyName             string
}

var texts = map[string]answerText{
	"en": {
		opening: map[Category]string{
			Suicide:      "Thank you for telling me. It sounds like you are carrying something very heavy right now, and you don't have to carry it alone. If you are worried about someone else, the same people can help you support them.",
			SelfHarm:     "Thank you for telling me. It sounds like you are in a lot of pain right now, and you deserve care and support.",
			HarmToOthers: "It sounds like something very intense is going on for you right now.",
			Abuse:        "I'm so sorry this is happening. What you describe is not okay, and it is not your fault.",
			Distress:     "It sounds like everything feels like too much right now. That is a lot to hold, and you deserve support.",
			HumanRequest: "Of course. You deserve to talk with a real person.",
		},
		body:           "I'm an automated coach, and I can't help with this the way a person can. You deserve support from someone who can really listen: please reach out to one of the services below. The people there are trained to listen, and what you say stays confidential.",
		emergency:      "If you or someone else is in immediate danger, call {number} now.",
		emergencyLocal: "If you or someone else is in immediate danger, call your local emergency number now.",
		emergencyName:  "Emergency services",
	},
	"es": {
		opening: map[Category]string{
			Suicide:      "Gracias por contármelo. Parece que estás cargando con algo muy pesado ahora mismo, y no tienes que hacerlo en soledad. Si te preocupa otra persona, estos mismos servicios pueden ayudarte a acompañarla.",
			SelfHarm:     "Gracias por contármelo. Parece que estás sufriendo mucho ahora mismo, y mereces cuidado y apoyo.",
			HarmToOthers: "Parece que estás viviendo algo muy intenso en este momento.",
			Abuse:        "Siento mucho que te esté pasando esto. Lo que describes no está bien, y no es culpa tuya.",
			Distress:     "Parece que ahora mismo todo se te hace demasiado. Es mucho para sostener, y mereces apoyo.",
			HumanRequest: "Por supuesto. Mereces hablar con una persona de verdad.",
		},
		body:           "Soy un coach automático y no puedo ayudarte con esto como lo haría una persona. Mereces el apoyo de alguien que de verdad pueda escucharte: por favor, contacta con alguno de los servicios de abajo. Allí hay personas preparadas para escucharte, de forma confidencial.",
		emergency:      "Si tu vida o la de otra persona corre peligro inmediato, llama ahora al {number}.",
		emergencyLocal: "Si tu vida o la de otra persona corre peligro inmediato, llama ahora al número de emergencias de tu país.",
		emergencyName:  "Emergencias",
	},
	"fr": {
		opening: map[Category]string{
			Suicide:      "Merci de me l'avoir confié. Vous semblez porter quelque chose de très lourd en ce moment, et vous n'avez pas à le porter sans aide. Si vous vous inquiétez pour quelqu'un d'autre, ces mêmes services peuvent vous aider à l'accompagner.",
			SelfHarm:     "Merci de me l'avoir confié. Vous semblez traverser une grande souffrance en ce moment, et vous méritez du soin et du soutien.",
			HarmToOthers: "Il semble que vous viviez quelque chose de très intense en ce moment.",
			Abuse:        "Je suis vraiment désolé que cela vous arrive. Ce que vous décrivez n'est pas acceptable, et ce n'est pas votre faute.",
			Distress:     "Tout semble vous submerger en ce moment. C'est beaucoup à porter, et vous méritez du soutien.",
			HumanRequest: "Bien sûr. Vous méritez de parler à une vraie personne.",
		},
		body:           "Je suis un coach automatique et je ne peux pas vous aider sur ce sujet comme le ferait une personne. Vous méritez le soutien de quelqu'un qui peut vraiment vous écouter : contactez l'un des services ci-dessous. Des personnes formées y sont là pour vous écouter, en toute confidentialité.",
		emergency:      "Si vous ou quelqu'un d'autre êtes en danger immédiat, appelez le {number} maintenant.",
		emergencyLocal: "Si vous ou quelqu'un d'autre êtes en danger immédiat, appelez maintenant le numéro d'urgence de votre pays.",
		emergencyName:  "Urgences",
	},
	"de": {
		opening: map[Category]string{
			Suicide:      "Danke, dass du mir das anvertraust. Es klingt, als würdest du gerade etwas sehr Schweres tragen, und damit musst du nicht allein bleiben. Wenn du dir Sorgen um jemand anderen machst, können dieselben Stellen dir helfen, diese Person zu unterstützen.",
			SelfHarm:     "Danke, dass du mir das anvertraust. Es klingt, als hättest du gerade großen Schmerz, und du verdienst Fürsorge und Unterstützung.",
			HarmToOthers: "Es klingt, als würde gerade etwas sehr Heftiges in dir vorgehen.",
			Abuse:        "Es tut mir sehr leid, dass dir das passiert. Was du beschreibst, ist nicht in Ordnung, und es ist nicht deine Schuld.",
			Distress:     "Es klingt, als würde dir gerade alles zu viel. Das ist viel zu tragen, und du verdienst Unterstützung.",
			HumanRequest: "Natürlich. Du verdienst es, mit einem echten Menschen zu sprechen.",
		},
		body:           "Ich bin ein automatischer Coach und kann dir dabei nicht so helfen, wie es ein Mensch kann. Du verdienst Unterstützung von jemandem, der dir wirklich zuhören kann: Bitte wende dich an eine der Stellen unten. Dort hören dir geschulte Menschen zu, vertraulich.",
		emergency:      "Wenn du oder jemand anderes in akuter Gefahr ist, ruf jetzt die {number} an.",
		emergencyLocal: "Wenn du oder jemand anderes in akuter Gefahr ist, ruf jetzt den Notruf deines Landes an.",
		emergencyName:  "Notruf",
	},
	"he": {
		opening: map[Category]string{
			Suicide:      "תודה ששיתפת. נשמע שיש עכשיו משהו כבד מאוד, ואין צורך לשאת אותו לבד. אם יש דאגה למישהו אחר, אותם שירותים יכולים לעזור גם בזה.",
			SelfHarm:     "תודה ששיתפת. נשמע שיש עכשיו כאב גדול, ומגיעים לך אכפתיות ותמיכה.",
			HarmToOthers: "נשמע שקורה עכשיו משהו עוצמתי מאוד.",
			Abuse:        "צר לי מאוד שזה קורה. מה שתיארת אינו בסדר, וזו לא אשמתך.",
			Distress:     "נשמע שהכול מרגיש עכשיו יותר מדי. זה הרבה לשאת, ומגיעה לך תמיכה.",
			HumanRequest: "בוודאי. מגיע לך לדבר עם אדם אמיתי.",
		},
		body:           "אני מאמן אוטומטי, ואין ביכולתי לעזור בזה כמו שאדם יכול. מגיעה לך תמיכה ממישהו שיכול באמת להקשיב: כדאי לפנות לאחד השירותים שלמטה. יש שם אנשים שהוכשרו להקשיב, בדיסקרטיות מלאה.",
		emergency:      "אם יש סכנה מיידית לך או למישהו אחר, יש להתקשר עכשיו ל־{number}.",
		emergencyLocal: "אם יש סכנה מיידית לך או למישהו אחר, יש להתקשר עכשיו למספר החירום המקומי.",
		emergencyName:  "שירותי חירום",
	},
}
