#include "client/synth/name_lists.h"

namespace equilink::client::synth {
namespace {

using N = absl::string_view;

constexpr N kBritishMale[] = {
    "Oliver",   "George",    "Harry",       "Jack",    "Jacob",   "Charlie",
    "Thomas",   "James",     "William",     "Joshua",  "Alfie",   "Daniel",
    "Samuel",   "Joseph",    "Ethan",       "Lewis",   "Callum",  "Ryan",
    "Kyle",     "Connor",    "Liam",        "Jake",    "Luke",    "Matthew",
    "Benjamin", "Alexander", "Christopher", "Nathan",  "Reece",   "Tyler",
    "Mason",    "Logan",     "Leo",         "Archie",  "Freddie", "Oscar",
    "Theodore", "Henry",     "Edward",      "Toby",    "Max",     "Lucas",
    "Riley",    "Finley",    "Bradley",     "Jordan",  "Dylan",   "Harrison",
    "Jayden",   "Nicholas",  "Jonathan",    "Michael", "Anthony", "Arthur",
    "Noah"};
constexpr N kBritishFemale[] = {
    "Olivia",   "Amelia",   "Emily",    "Isla",      "Ava",       "Jessica",
    "Sophie",   "Chloe",    "Lily",     "Mia",       "Ella",      "Grace",
    "Ruby",     "Evie",     "Poppy",    "Isabella",  "Charlotte", "Elizabeth",
    "Katie",    "Megan",    "Lauren",   "Hannah",    "Bethany",   "Abigail",
    "Rebecca",  "Amy",      "Holly",    "Eleanor",   "Freya",     "Daisy",
    "Millie",   "Phoebe",   "Scarlett", "Molly",     "Ellie",     "Lucy",
    "Georgia",  "Leah",     "Jasmine",  "Summer",    "Alice",     "Harriet",
    "Victoria", "Courtney", "Paige",    "Katherine", "Rosie",     "Matilda",
    "Florence", "Isabelle", "Sophia",   "Alexandra", "Samantha",  "Zoë",
    "Eva"};
constexpr N kBritishSurnames[] = {
    "Smith",     "Jones",    "Williams", "Taylor",   "Brown",    "Davies",
    "Evans",     "Wilson",   "Thomas",   "Johnson",  "Roberts",  "Robinson",
    "Thompson",  "Wright",   "Walker",   "White",    "Edwards",  "Hughes",
    "Green",     "Hall",     "Lewis",    "Harris",   "Clarke",   "Jackson",
    "Wood",      "Turner",   "Martin",   "Cooper",   "Hill",     "Ward",
    "Morris",    "Moore",    "Clark",    "King",     "Baker",    "Harrison",
    "Morgan",    "Allen",    "James",    "Scott",    "Phillips", "Watson",
    "Davis",     "Parker",   "Price",    "Bennett",  "Young",    "Griffiths",
    "Mitchell",  "Cook",     "Carter",   "Bailey",   "Collins",  "Bell",
    "Shaw",      "Richards", "Marshall", "Simpson",  "Ellis",    "Adams",
    "Wilkinson", "Foster",   "Chapman",  "Powell",   "Webb",     "Rogers",
    "Mason",     "Hunt",     "Holmes",   "Mills",    "Barnes",   "Knight",
    "Lloyd",     "Butler",   "Barker",   "Fisher",   "Stevens",  "Jenkins",
    "Dixon",     "Harvey",   "Pearson",  "Fletcher", "Gibson",   "Howard",
    "Andrews",   "Elliott",  "Reynolds", "Saunders", "Payne",    "Fox",
    "Ford",      "Pearce",   "Day",      "Brooks",   "West",     "Lawrence",
    "Cole",      "Atkinson", "Bradley",  "Spencer",  "Dawson",   "Ball",
    "Burton",    "Watts",    "Rose",     "Booth",    "Perry",    "Grant",
    "Wells",     "Francis",  "Hayes",    "Hart",     "Hudson",   "Newman",
    "Webster",   "Lowe",     "Page",     "Marsh",    "Woods",    "Parsons",
    "Stone",     "Hawkins",  "Porter",   "Newton",   "Bird",     "Gardner",
    "Cooke",     "Bates",    "Bishop",   "Walton",   "Yates",    "Hodgson"};

constexpr N kIrishMale[] = {"Sean",    "Ciaran",  "Patrick", "Conor", "Declan",
                            "Liam",    "Cian",    "Oisin",   "Niall", "Eoin",
                            "Darragh", "Padraig", "Kieran",  "Ronan"};
constexpr N kIrishFemale[] = {"Siobhan", "Niamh",   "Aoife",   "Ciara",
                              "Roisin",  "Saoirse", "Orla",    "Sinead",
                              "Caoimhe", "Grainne", "Aisling", "Clodagh"};
constexpr N kIrishSurnames[] = {
    "Murphy",    "Kelly",      "O'Brien", "Byrne",    "Ryan",
    "O'Connor",  "O'Neill",    "Walsh",   "McCarthy", "Doyle",
    "Gallagher", "Kennedy",    "Lynch",   "Quinn",    "Flanagan",
    "Brennan",   "Fitzgerald", "Reilly",  "Duffy",    "Nolan"};

constexpr N kCaribbeanMale[] = {
    "Jerome", "Tyrone", "Marcus",    "Dwayne", "Jamal",  "Andre",  "Kemar",
    "Leon",   "Devon",  "Nathaniel", "Isaiah", "Elijah", "Joel",   "Malachi",
    "Josiah", "Reuben", "Jaden",     "Kai",    "Tyler",  "Jordan", "Theo"};
constexpr N kCaribbeanFemale[] = {
    "Shanice",   "Tianna", "Aaliyah", "Jada",  "Kayla", "Nia",
    "Chantelle", "Keisha", "Jasmine", "Imani", "Amaya", "Shania",
    "Destiny",   "Tiana",  "Alicia",  "Leah",  "Naomi", "Serena"};
constexpr N kCaribbeanSurnames[] = {
    "Campbell", "Brown",   "Williams", "Thomas",   "Francis", "Robinson",
    "Morgan",   "Johnson", "Clarke",   "Grant",    "Henry",   "Reid",
    "Gordon",   "Edwards", "Stewart",  "Bailey",   "Lewis",   "Richards",
    "Smith",    "Walker",  "Bennett",  "Forbes",   "Gayle",   "McKenzie",
    "Samuels",  "Whyte",   "Hylton",   "Ferguson", "Powell",  "Spencer"};

constexpr N kPakistaniMale[] = {
    "Muhammad", "Mohammed", "Ibrahim", "Yusuf",    "Zayn",     "Ayaan",
    "Hamza",    "Ali",      "Omar",    "Rayyan",   "Abdullah", "Musa",
    "Idris",    "Adam",     "Haris",   "Bilal",    "Usman",    "Imran",
    "Faisal",   "Hassan",   "Arham",   "Zakariya", "Ismail",   "Umar",
    "Abdul",    "Rehan",    "Daniyal", "Saad",     "Tahir",    "Zain"};
constexpr N kPakistaniFemale[] = {
    "Aisha", "Maryam",  "Zara",   "Fatima", "Hafsa",   "Inaya",   "Safiya",
    "Amira", "Khadija", "Zainab", "Aleena", "Mariam",  "Hania",   "Aliya",
    "Hira",  "Sana",    "Noor",   "Anaya",  "Eman",    "Iqra",    "Hajra",
    "Laiba", "Mahnoor", "Aqsa",   "Rimsha", "Alishba", "Hoorain", "Ayesha"};
constexpr N kPakistaniSurnames[] = {
    "Khan",   "Hussain", "Ali",    "Ahmed",    "Iqbal", "Mahmood",
    "Akhtar", "Shah",    "Rashid", "Bibi",     "Aslam", "Malik",
    "Butt",   "Mirza",   "Riaz",   "Javed",    "Nawaz", "Yousaf",
    "Zaman",  "Anwar",   "Saleem", "Sadiq",    "Raza",  "Qureshi",
    "Bashir", "Rehman",  "Tariq",  "Mohammed", "Hanif", "Rafiq"};

constexpr N kBangladeshiMale[] = {
    "Mohammed", "Abdul",  "Rahim", "Sami",    "Tanvir",  "Rayhan",
    "Arif",     "Shahid", "Imran", "Sabbir",  "Nabil",   "Rafi",
    "Ayaan",    "Ishaq",  "Yusuf", "Ibrahim", "Zakaria", "Mahir"};
constexpr N kBangladeshiFemale[] = {"Fatima",  "Sumaiya", "Tasnim",  "Nusrat",
                                    "Farzana", "Jannat",  "Ruksana", "Shirin",
                                    "Halima",  "Sadia",   "Tahmina", "Rumana",
                                    "Amina",   "Aisha",   "Maryam",  "Safa"};
constexpr N kBangladeshiSurnames[] = {
    "Begum",   "Miah",    "Uddin",  "Rahman",    "Islam", "Ahmed",
    "Ali",     "Hussain", "Khatun", "Chowdhury", "Hoque", "Alam",
    "Hossain", "Akter",   "Karim",  "Sultana",   "Haque", "Kabir"};

constexpr N kIndianMale[] = {
    "Arjun",     "Rohan",    "Dev",      "Aarav",    "Vihaan",
    "Krish",     "Harjeet",  "Gurpreet", "Jaspreet", "Manpreet",
    "Ravi",      "Sanjay",   "Vikram",   "Amar",     "Karan",
    "Nikhil",    "Rahul",    "Ajay",     "Ishaan",   "Jai",
    "Harvinder", "Sukhdeep", "Arun",     "Hari",     "Taran"};
constexpr N kIndianFemale[] = {
    "Priya",   "Simran",  "Kiran",   "Anjali", "Pooja",   "Neha",
    "Riya",    "Anika",   "Diya",    "Isha",   "Jasleen", "Harleen",
    "Navneet", "Amrit",   "Sonia",   "Meera",  "Kavya",   "Sapna",
    "Shreya",  "Manisha", "Gurleen", "Asha"};
constexpr N kIndianSurnames[] = {
    "Patel", "Singh", "Kaur",    "Sharma", "Kumar", "Gill",    "Sandhu",
    "Sidhu", "Bains", "Dhillon", "Mistry", "Shah",  "Chauhan", "Parmar",
    "Lal",   "Sohal", "Bhatti",  "Johal",  "Virdi", "Rai",     "Mann",
    "Atwal", "Joshi", "Gupta",   "Mehta"};

constexpr N kWestAfricanMale[] = {
    "Emmanuel", "David",    "Samuel",      "Daniel",        "Oluwaseun",
    "Chinedu",  "Emeka",    "Kwame",       "Kofi",          "Kwabena",
    "Tobi",     "Ayodele",  "Chukwuemeka", "Femi",          "Tunde",
    "Olamide",  "Ifeanyi",  "Kelechi",     "Obinna",        "Yaw",
    "Nana",     "Jeremiah", "Toluwani",    "Oluwadamilare", "Ebuka"};
constexpr N kWestAfricanFemale[] = {
    "Precious", "Blessing", "Chidera", "Adaeze",     "Amara",
    "Chioma",   "Ngozi",    "Folake",  "Funmilayo",  "Temitope",
    "Abena",    "Ama",      "Akosua",  "Adwoa",      "Esther",
    "Deborah",  "Favour",   "Comfort", "Oluwatoyin", "Ifeoma",
    "Zion",     "Grace",    "Mercy",   "Princess",   "Ayomide"};
constexpr N kWestAfricanSurnames[] = {
    "Okafor",  "Mensah",  "Adeyemi", "Osei",     "Nwosu",  "Okonkwo", "Adebayo",
    "Boateng", "Owusu",   "Asante",  "Ogunleye", "Eze",    "Obi",     "Adeleke",
    "Oladipo", "Okoro",   "Agyeman", "Danso",    "Appiah", "Bello",   "Ibekwe",
    "Uche",    "Afolabi", "Akinola", "Oyelaran", "Oduya"};

constexpr N kSomaliMale[] = {"Abdirahman", "Abdullahi", "Mohamed", "Ahmed",
                             "Hassan",     "Yusuf",     "Abdi",    "Omar",
                             "Ayub",       "Said",      "Khalid",  "Liban",
                             "Hamza",      "Zakaria"};
constexpr N kSomaliFemale[] = {"Hodan",  "Sagal", "Ayan",  "Faadumo", "Hibo",
                               "Ifrah",  "Muna",  "Nimco", "Sahra",   "Ubah",
                               "Khadra", "Hamdi", "Amina", "Ikran"};
constexpr N kSomaliSurnames[] = {
    "Mohamed", "Ahmed",   "Hassan",  "Ali",       "Abdi",  "Farah",
    "Omar",    "Warsame", "Hussein", "Jama",      "Osman", "Ismail",
    "Nur",     "Yusuf",   "Aden",    "Abdullahi", "Egal",  "Dahir"};

constexpr N kEasternEuropeanMale[] = {
    "Jakub",   "Kacper", "Szymon", "Filip",  "Mateusz",    "Łukasz",
    "Michał",  "Wiktor", "Oliwer", "Antoni", "Aleksander", "Andrei",
    "Ionut",   "Mihai",  "Darius", "Vlad",   "Lukas",      "Matas",
    "Dominik", "Tomáš",  "Adrian", "Bartosz"};
constexpr N kEasternEuropeanFemale[] = {
    "Zuzanna", "Julia",    "Maja",     "Zofia",  "Hanna",
    "Lena",    "Wiktoria", "Natalia",  "Oliwia", "Alicja",
    "Ioana",   "Andreea",  "Maria",    "Elena",  "Bianca",
    "Gabija",  "Emilija",  "Kateřina", "Anna",   "Weronika"};
constexpr N kEasternEuropeanSurnames[] = {
    "Nowak",      "Kowalski",    "Wiśniewski", "Wójcik",     "Kowalczyk",
    "Kamiński",   "Lewandowski", "Zieliński",  "Popescu",    "Ionescu",
    "Popa",       "Stan",        "Dumitru",    "Kazlauskas", "Jankauskas",
    "Petrauskas", "Horvath",     "Novak",      "Dvořák",     "Kaczmarek",
    "Mazur",      "Krawczyk"};

constexpr N kChineseMale[] = {"Wei",   "Jun",  "Hao",  "Jian", "Ming",
                              "Chen",  "Yu",   "Kai",  "Zhi",  "Jason",
                              "Kevin", "Ryan", "Ethan"};
constexpr N kChineseFemale[] = {"Mei",  "Ling",    "Xin",   "Yan",
                                "Hui",  "Jing",    "Li",    "Xiao",
                                "Ying", "Jessica", "Chloe", "Michelle"};
constexpr N kChineseSurnames[] = {"Wang", "Li",    "Zhang", "Liu",  "Chen",
                                  "Yang", "Huang", "Zhao",  "Wu",   "Zhou",
                                  "Lin",  "Xu",    "Wong",  "Chan", "Cheung",
                                  "Ng",   "Lam",   "Ho",    "Lee",  "Tang"};

constexpr N kArabicMale[] = {"Ahmad", "Mohammed", "Yousef",  "Omar",  "Khalid",
                             "Tariq", "Karim",    "Rami",    "Samir", "Hadi",
                             "Ali",   "Hassan",   "Mustafa", "Amir",  "Adnan",
                             "Bilal", "Jamal",    "Nasser"};
constexpr N kArabicFemale[] = {"Fatima", "Layla", "Noor",  "Yasmin", "Rania",
                               "Huda",   "Amal",  "Dalia", "Hana",   "Leila",
                               "Mariam", "Salma", "Sara",  "Zahra",  "Reem",
                               "Lina",   "Nour",  "Jana"};
constexpr N kArabicSurnames[] = {
    "Al-Sayed", "Haddad", "Hassan",   "Abdullah",  "Mahmoud",
    "Ibrahim",  "Saleh",  "Nasser",   "Khalil",    "Mansour",
    "Othman",   "Yassin", "Aziz",     "Hamid",     "Karimi",
    "Ahmadi",   "Rahimi", "Hosseini", "Mohammadi", "Rezaei"};

const NameList kLists[kNameGroupCount] = {
    {kBritishMale, kBritishFemale, kBritishSurnames},
    {kIrishMale, kIrishFemale, kIrishSurnames},
    {kCaribbeanMale, kCaribbeanFemale, kCaribbeanSurnames},
    {kPakistaniMale, kPakistaniFemale, kPakistaniSurnames},
    {kBangladeshiMale, kBangladeshiFemale, kBangladeshiSurnames},
    {kIndianMale, kIndianFemale, kIndianSurnames},
    {kWestAfricanMale, kWestAfricanFemale, kWestAfricanSurnames},
    {kSomaliMale, kSomaliFemale, kSomaliSurnames},
    {kEasternEuropeanMale, kEasternEuropeanFemale, kEasternEuropeanSurnames},
    {kChineseMale, kChineseFemale, kChineseSurnames},
    {kArabicMale, kArabicFemale, kArabicSurnames},
};

constexpr N kStreetStems[] = {
    "Church",         "Station",   "Park",      "Victoria",
    "Albert",         "Grove",     "Oak",       "Elm",
    "Holly",          "Ash",       "Mill",      "Green",
    "School",         "Chapel",    "Highfield", "Springfield",
    "Westfield",      "Manor",     "Hall",      "King",
    "Queen",          "York",      "Warwick",   "Stratford",
    "Moseley",        "Coventry",  "Alum Rock", "Soho",
    "Lode",           "Yardley",   "Bristol",   "Pershore",
    "Washwood Heath", "Ladypool",  "Dudley",    "Shirley",
    "Kingstanding",   "Hamstead",  "Chester",   "Lichfield",
    "Sutton",         "Hob Moor",  "Stoney",    "Cranmore",
    "Tanworth",       "Hay Mills", "Bordesley", "Balsall",
    "Handsworth",     "Erdington", "Sandwell",  "Rookery",
    "Witton",         "Aston",     "Belgrave",  "Clifton",
    "Farm",           "Brook",     "Willow",    "Beech",
    "Cedar",          "Poplar",    "Heath",     "Meadow",
    "Hawthorn"};
constexpr N kStreetEndings[] = {"Road",   "Road",     "Road",  "Street",
                                "Avenue", "Close",    "Grove", "Lane",
                                "Drive",  "Crescent", "Way",   "Gardens"};

}  // namespace

const NameList& NamesOf(NameGroup group) {
  return kLists[static_cast<int>(group)];
}

absl::Span<const absl::string_view> StreetStems() { return kStreetStems; }
absl::Span<const absl::string_view> StreetEndings() { return kStreetEndings; }

}  // namespace equilink::client::synth
