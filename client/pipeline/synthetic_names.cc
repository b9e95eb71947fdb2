#include "client/pipeline/synthetic_names.h"

// Common forenames of children born in England and Wales 2004-2022 and common
// UK surnames, for synthetic exports only. No real person is described.

namespace equilink::client {

namespace {

constexpr absl::string_view kForenames[] = {
    "Oliver",    "George",    "Arthur",    "Noah",     "Muhammad", "Leo",
    "Oscar",     "Harry",     "Archie",    "Jack",     "Henry",    "Charlie",
    "Freddie",   "Theodore",  "Thomas",    "Finley",   "Theo",     "Alfie",
    "Jacob",     "William",   "Isaac",     "Tommy",    "Joshua",   "James",
    "Lucas",     "Alexander", "Arlo",      "Teddy",    "Edward",   "Max",
    "Mohammed",  "Ethan",     "Roman",     "Reggie",   "Adam",     "Rory",
    "Sebastian", "Albie",     "Hugo",      "Elijah",   "Louie",    "Ronnie",
    "Joseph",    "Daniel",    "Jaxon",     "Reuben",   "Dylan",    "Ezra",
    "Mason",     "Toby",      "Harrison",  "Frankie",  "Hunter",   "Jude",
    "Ibrahim",   "Yusuf",     "Zayn",      "Ayaan",    "Hamza",    "Ali",
    "Omar",      "Rayyan",    "Aaron",     "Kai",      "Tyler",    "Callum",
    "Kian",      "Logan",     "Riley",     "Jayden",   "Nathan",   "Samuel",
    "Benjamin",  "Luca",      "Grayson",   "Liam",     "Caleb",    "Elliot",
    "Jenson",    "Felix",     "Ollie",     "Louis",    "Stanley",  "Bobby",
    "Jasper",    "Otis",      "Ralph",     "Kayden",   "Malachi",  "Tobias",
    "Abdullah",  "Musa",      "Idris",     "Rohan",    "Arjun",    "Dev",
    "Kofi",      "Emmanuel",  "Olivia",    "Amelia",   "Isla",     "Ava",
    "Ivy",       "Freya",     "Lily",      "Florence", "Mia",      "Willow",
    "Rosie",     "Sophia",    "Isabella",  "Grace",    "Daisy",    "Sienna",
    "Poppy",     "Elsie",     "Emily",     "Ella",     "Evelyn",   "Phoebe",
    "Sofia",     "Evie",      "Charlotte", "Harper",   "Millie",   "Matilda",
    "Maya",      "Sophie",    "Alice",     "Emilia",   "Isabelle", "Ruby",
    "Luna",      "Maisie",    "Aria",      "Penelope", "Mila",     "Bonnie",
    "Eva",       "Hallie",    "Eliza",     "Ada",      "Violet",   "Esme",
    "Arabella",  "Imogen",    "Jessica",   "Delilah",  "Thea",     "Layla",
    "Chloe",     "Lottie",    "Orla",      "Aisha",    "Maryam",   "Zara",
    "Fatima",    "Hafsa",     "Inaya",     "Safiya",   "Amira",    "Anaya",
    "Khadija",   "Hannah",    "Nia",       "Precious", "Amara",    "Imani",
    "Tia",       "Jasmine",   "Leah",      "Molly",    "Scarlett", "Ellie",
    "Lola",      "Holly",     "Amber",     "Megan",    "Erin",     "Niamh",
    "Ruby-Mae",  "Lacey",     "Skye",      "Summer",   "Darcie",   "Harriet",
    "Lucy",      "Eleanor",   "Georgia",   "Zainab",   "Aleena",   "Mariam",
    "Simran",    "Priya",     "Kiran",     "Chidera",  "Adaeze",   "Ayo",
    "Blessing",  "Keira",     "Tilly",     "Nancy",    "Iris",     "Edith",
};

constexpr absl::string_view kSurnames[] = {
    "Smith",     "Jones",     "Williams",  "Taylor",     "Brown",
    "Davies",    "Evans",     "Wilson",    "Thomas",     "Johnson",
    "Roberts",   "Robinson",  "Thompson",  "Wright",     "Walker",
    "White",     "Edwards",   "Hughes",    "Green",      "Hall",
    "Lewis",     "Harris",    "Clarke",    "Patel",      "Jackson",
    "Wood",      "Turner",    "Martin",    "Cooper",     "Hill",
    "Ward",      "Morris",    "Moore",     "Clark",      "Lee",
    "King",      "Baker",     "Harrison",  "Morgan",     "Allen",
    "James",     "Scott",     "Phillips",  "Watson",     "Davis",
    "Parker",    "Price",     "Bennett",   "Young",      "Griffiths",
    "Mitchell",  "Kelly",     "Cook",      "Carter",     "Richardson",
    "Bailey",    "Collins",   "Bell",      "Shaw",       "Murphy",
    "Miller",    "Cox",       "Richards",  "Khan",       "Marshall",
    "Anderson",  "Simpson",   "Ellis",     "Adams",      "Singh",
    "Begum",     "Wilkinson", "Foster",    "Chapman",    "Powell",
    "Webb",      "Rogers",    "Gray",      "Mason",      "Ali",
    "Hunt",      "Hussain",   "Campbell",  "Matthews",   "Owen",
    "Palmer",    "Holmes",    "Mills",     "Barnes",     "Knight",
    "Lloyd",     "Butler",    "Russell",   "Barker",     "Fisher",
    "Stevens",   "Jenkins",   "Murray",    "Dixon",      "Harvey",
    "Graham",    "Pearson",   "Ahmed",     "Fletcher",   "Walsh",
    "Kaur",      "Gibson",    "Howard",    "Andrews",    "Stewart",
    "Elliott",   "Reynolds",  "Saunders",  "Payne",      "Fox",
    "Ford",      "Pearce",    "Day",       "Brooks",     "West",
    "Lawrence",  "Cole",      "Atkinson",  "Bradley",    "Spencer",
    "Gill",      "Dawson",    "Ball",      "Burton",     "O'Brien",
    "Watts",     "Rose",      "Booth",     "Perry",      "Ryan",
    "Grant",     "Wells",     "Armstrong", "Francis",    "Rees",
    "Hayes",     "Hart",      "Hudson",    "Newman",     "Barrett",
    "Webster",   "Hunter",    "Gregory",   "Carr",       "Lowe",
    "Page",      "Marsh",     "Riley",     "Dunn",       "Woods",
    "Parsons",   "Berry",     "Stone",     "Reid",       "Holland",
    "Hawkins",   "Harding",   "Porter",    "Robertson",  "Newton",
    "Oliver",    "Reed",      "Kennedy",   "Williamson", "Bird",
    "Gardner",   "Shah",      "Dean",      "Lane",       "Cooke",
    "Bates",     "Henderson", "Parry",     "Burgess",    "Bishop",
    "Walton",    "Burns",     "Nicholson", "Shepherd",   "Ross",
    "Cross",     "Long",      "Freeman",   "Warren",     "Nicholls",
    "Hamilton",  "Byrne",     "Sutton",    "McDonald",   "Yates",
    "Hodgson",   "Robson",    "Curtis",    "Hopkins",    "O'Connor",
    "Harper",    "Coleman",   "Watkins",   "Moss",       "McCarthy",
    "Chambers",  "O'Neill",   "Griffin",   "Sharp",      "Hardy",
    "Wheeler",   "Rahman",    "Iqbal",     "Mahmood",    "Akhtar",
    "Okafor",    "Mensah",    "Adeyemi",   "Osei",       "Nwosu",
    "Chowdhury", "Miah",      "Uddin",     "Nowak",      "Kowalski",
};

}  // namespace

absl::Span<const absl::string_view> SyntheticForenames() { return kForenames; }
absl::Span<const absl::string_view> SyntheticSurnames() { return kSurnames; }

}  // namespace equilink::client
