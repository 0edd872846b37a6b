package demo

// Name pools. Each entry is "native|roman": the native spelling goes into the
// subject's name, the romanised one into the e-mail address (addresses stay
// ASCII and lower-case, as model.Subject documents).

var englishGiven = []string{
	"James|james", "Mary|mary", "Robert|robert", "Patricia|patricia", "John|john", "Jennifer|jennifer",
	"Michael|michael", "Linda|linda", "David|david", "Elizabeth|elizabeth", "William|william",
	"Barbara|barbara", "Richard|richard", "Susan|susan", "Joseph|joseph", "Jessica|jessica",
	"Thomas|thomas", "Sarah|sarah", "Charles|charles", "Karen|karen", "Chris|chris", "Nancy|nancy",
	"Daniel|daniel", "Lisa|lisa", "Matthew|matthew", "Betty|betty", "Anthony|anthony",
	"Margaret|margaret", "Mark|mark", "Sandra|sandra", "Emily|emily", "Ashley|ashley", "Kevin|kevin",
	"Kimberly|kimberly", "Brian|brian", "Donna|donna", "George|george", "Michelle|michelle",
	"Ryan|ryan", "Amanda|amanda", "Tyler|tyler", "Megan|megan", "Jordan|jordan", "Taylor|taylor",
	"Avery|avery", "Riley|riley", "Morgan|morgan", "Casey|casey", "Jean-Luc|jeanluc", "Mary-Kate|marykate",
}

var englishFamily = []string{
	"Smith|smith", "Johnson|johnson", "Williams|williams", "Brown|brown", "Jones|jones", "Miller|miller",
	"Davis|davis", "Wilson|wilson", "Anderson|anderson", "Taylor|taylor", "Thomas|thomas", "Moore|moore",
	"Jackson|jackson", "Martin|martin", "Lee|lee", "Thompson|thompson", "White|white", "Harris|harris",
	"Clark|clark", "Lewis|lewis", "Robinson|robinson", "Walker|walker", "Young|young", "Allen|allen",
	"King|king", "Wright|wright", "Scott|scott", "Hill|hill", "Green|green", "Adams|adams", "Baker|baker",
	"Nelson|nelson", "Carter|carter", "Mitchell|mitchell", "Roberts|roberts", "Turner|turner",
	"Phillips|phillips", "Campbell|campbell", "Parker|parker", "Evans|evans", "Edwards|edwards",
	"Collins|collins", "Stewart|stewart", "Morris|morris", "O'Brien|obrien", "McAllister|mcallister",
	"Sullivan|sullivan", "Foster|foster", "Van der Berg|vanderberg", "St. James|stjames",
}

var accentedGiven = []string{
	"José|jose", "María|maria", "Zoë|zoe", "Chloé|chloe", "Renée|renee", "Jürgen|jurgen", "Søren|soren",
	"Małgorzata|malgorzata", "Łukasz|lukasz", "François|francois", "Hélène|helene", "Núria|nuria",
	"Íñigo|inigo", "Björn|bjorn", "Åsa|asa", "Ömer|omer", "Çağla|cagla", "João|joao", "Thảo|thao",
	"Anaïs|anais", "Dagný|dagny", "Siobhán|siobhan", "Maëlle|maelle", "Tomáš|tomas",
}

var accentedFamily = []string{
	"Núñez|nunez", "García|garcia", "Ångström|angstrom", "Müller|muller", "Øvergård|overgard",
	"Wójcik|wojcik", "Dvořák|dvorak", "Lefèvre|lefevre", "Peña|pena", "Gonçalves|goncalves",
	"Yılmaz|yilmaz", "Nguyễn|nguyen", "Ó Súilleabháin|osuilleabhain", "Hernández|hernandez",
	"Sánchez|sanchez", "Þórsdóttir|thorsdottir", "Šimić|simic", "Çelik|celik",
}

// East Asian names are written family name first with no space.
var chineseFamily = []string{"王|wang", "李|li", "张|zhang", "刘|liu", "陈|chen", "杨|yang", "黄|huang", "赵|zhao", "周|zhou", "吴|wu"}
var chineseGiven = []string{"小明|xiaoming", "秀英|xiuying", "伟|wei", "芳|fang", "娜|na", "静|jing", "丽|li", "强|qiang", "磊|lei", "嘉怡|jiayi"}

var japaneseFamily = []string{"佐藤|sato", "鈴木|suzuki", "高橋|takahashi", "田中|tanaka", "渡辺|watanabe", "伊藤|ito", "山本|yamamoto", "中村|nakamura"}
var japaneseGiven = []string{"花子|hanako", "太郎|taro", "翔太|shota", "陽菜|hina", "結衣|yui", "蓮|ren", "さくら|sakura", "健一|kenichi"}

var koreanFamily = []string{"김|kim", "이|lee", "박|park", "최|choi", "정|jung", "강|kang"}
var koreanGiven = []string{"민준|minjun", "서연|seoyeon", "지우|jiwoo", "하은|haeun", "도윤|doyun", "수빈|subin"}

var arabicGiven = []string{"محمد|mohammed", "فاطمة|fatima", "أحمد|ahmed", "ليلى|layla", "يوسف|yusuf", "مريم|maryam", "عمر|omar", "نور|nour"}
var arabicFamily = []string{"العلي|alali", "الحسن|alhassan", "المصري|almasri", "حداد|haddad", "خوري|khoury", "الشامي|alshami"}

var hebrewGiven = []string{"דוד|david", "שרה|sarah", "יוסף|yosef", "רחל|rachel", "משה|moshe", "נועה|noa"}
var hebrewFamily = []string{"כהן|cohen", "לוי|levi", "מזרחי|mizrahi", "פרץ|peretz", "ביטון|biton"}

var cyrillicGiven = []string{"Дмитрий|dmitry", "Ольга|olga", "Иван|ivan", "Наталья|natalya", "Алексей|alexey"}
var cyrillicFamily = []string{"Иванова|ivanova", "Кузнецов|kuznetsov", "Попова|popova", "Смирнов|smirnov"}

var greekGiven = []string{"Γιώργος|giorgos", "Ελένη|eleni", "Νίκος|nikos"}
var greekFamily = []string{"Παπαδόπουλος|papadopoulos", "Οικονόμου|oikonomou"}

// Devanagari and Thai carry combining marks: the display width is not the rune count.
var devanagariGiven = []string{"प्रिया|priya", "राहुल|rahul", "अनीता|anita", "विक्रम|vikram"}
var devanagariFamily = []string{"शर्मा|sharma", "पटेल|patel", "गुप्ता|gupta"}

var thaiGiven = []string{"สมชาย|somchai", "สุดารัตน์|sudarat"}
var thaiFamily = []string{"ใจดี|jaidee", "ศรีสุข|srisuk"}

// Whole names that exercise widths: emoji (with ZWJ sequences, skin tones,
// variation selectors, flags), full-width Latin, decomposed accents.
var oddNames = []string{
	"Sunny 🌞 Day|sunny.day",
	"Rocket 🚀 Rivera|rocket.rivera",
	"Skye ☁️ Blue|skye.blue",
	"🌈 Rainbow Chen|rainbow.chen",
	"Flag 🇺🇸 Porter|flag.porter",
	"Chef 👩🏽‍🍳 Ortiz|chef.ortiz",
	"Ｔａｒｏ Ｙａｍａｄａ|taro.yamada",
	"Zoe\u0308 Ba\u0301ez|zoe.baez",
	"Kaʻiulani Keʻalohilani|kaiulani.kealohilani",
	"Ikaika|ikaika",
	"Sukarni|sukarni",
}

// Long names wrap or get truncated in every column.
var longNames = []string{
	"Ana Cristina Guadalupe de la Santísima Trinidad Ruiz-Montenegro y Saavedra|ana.ruizmontenegro",
	"Hubert Blaine Wolfeschlegelsteinhausenbergerdorff-Lindqvist Sr.|hubert.wolfeschlegel",
	"Sir Bartholomew Archibald Fitzgerald-Worthington-Smythe III|bart.fitzgerald",
	"Maximiliana Anastasia Konstantinopoulou-Vanderbilt-Østergaard|max.konstantinopoulou",
	"Oluwaseun Adebayo-Oyelaran Chukwuemeka Nwachukwu-Okonkwo|seun.nwachukwu",
}

// featured subjects come first, in the first tenant, so demos and UI tests
// can rely on them.
var featuredNames = []string{
	"José Núñez|jose.nunez",
	"Zoë Ångström|zoe.angstrom",
	"王小明|xiaoming.wang",
	"佐藤花子|hanako.sato",
	"김민준|minjun.kim",
	"محمد العلي|mohammed.alali",
	"דוד כהן|david.cohen",
	"Sunny 🌞 Day|sunny.day",
	"Ｔａｒｏ Ｙａｍａｄａ|taro.yamada",
	"Zoe\u0308 Ba\u0301ez|zoe.baez",
	"Ana Cristina Guadalupe de la Santísima Trinidad Ruiz-Montenegro y Saavedra|ana.ruizmontenegro",
	"田中さくら|sakura.tanaka",
	"Ольга Иванова|olga.ivanova",
	"प्रिया शर्मा|priya.sharma",
}

var streets = []string{
	"Oak St", "Maple Ave", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd", "Lincoln Way", "Mission St",
	"Cherry Ct", "Sunset Dr", "Lakeview Rd", "Hillcrest Ave", "Park Pl", "Main St", "Church St", "Mill Rd",
	"River Rd", "Willow Way", "Madrona Ave", "Juniper Ct", "Alameda Ave", "Camino Real", "Calle Peñasco",
	"Martin Luther King Jr. Blvd", "1st Ave", "Avenida de la Playa",
}

var emailDomains = []string{"example.com", "example.org", "example.net", "mail.example", "inbox.example"}

var agentOrgs = []string{
	"Privacy Advocates of the West LLC", "OptOut Helpers Inc.", "Datenschutz & Partners (US)",
	"Community Legal Aid Clinic", "ClearRecord Services",
}
