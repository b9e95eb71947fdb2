#include "client/synth/name_variants.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace equilink::client::synth {
namespace {

using N = absl::string_view;

// Each row: the formal name, then its nicknames.
constexpr N kNicknameRows[][4] = {
    {"Thomas", "Tom", "Tommy", ""},
    {"William", "Will", "Billy", ""},
    {"James", "Jamie", "Jim", ""},
    {"Joseph", "Joe", "Joey", ""},
    {"Samuel", "Sam", "Sammy", ""},
    {"Daniel", "Dan", "Danny", ""},
    {"Benjamin", "Ben", "Benji", ""},
    {"Alexander", "Alex", "Xander", ""},
    {"Christopher", "Chris", "", ""},
    {"Matthew", "Matt", "", ""},
    {"Joshua", "Josh", "", ""},
    {"Nathan", "Nate", "", ""},
    {"Jacob", "Jake", "", ""},
    {"Edward", "Ed", "Eddie", "Ted"},
    {"Oliver", "Ollie", "Olly", ""},
    {"Theodore", "Theo", "Teddy", ""},
    {"Harrison", "Harry", "", ""},
    {"Jonathan", "Jon", "Jonny", ""},
    {"Nicholas", "Nick", "Nicky", ""},
    {"Michael", "Mike", "Mikey", ""},
    {"Anthony", "Tony", "Ant", ""},
    {"Frederick", "Fred", "Freddie", ""},
    {"Patrick", "Paddy", "Pat", ""},
    {"Elizabeth", "Lizzie", "Beth", "Liz"},
    {"Katherine", "Kate", "Katie", "Kath"},
    {"Rebecca", "Becky", "Becca", ""},
    {"Abigail", "Abbie", "Abi", ""},
    {"Jessica", "Jess", "Jessie", ""},
    {"Charlotte", "Lottie", "Charlie", ""},
    {"Isabella", "Bella", "Izzy", ""},
    {"Isabelle", "Izzy", "Belle", ""},
    {"Amelia", "Millie", "Amy", ""},
    {"Victoria", "Vicky", "Tori", ""},
    {"Eleanor", "Ellie", "Nell", ""},
    {"Harriet", "Hattie", "", ""},
    {"Florence", "Flo", "Florrie", ""},
    {"Olivia", "Liv", "Livvy", ""},
    {"Matilda", "Tilly", "Tilda", ""},
    {"Georgia", "Georgie", "", ""},
    {"Alexandra", "Alex", "Lexi", ""},
    {"Samantha", "Sam", "Sammi", ""},
    {"Jasmine", "Jas", "Jazz", ""},
    {"Bethany", "Beth", "", ""},
    {"Mohammed", "Mo", "", ""},
    {"Muhammad", "Mo", "", ""},
    {"Mohamed", "Mo", "", ""},
    {"Abdullah", "Abdul", "", ""},
    {"Abdirahman", "Abdi", "", ""},
    {"Zakariya", "Zak", "Zack", ""},
    {"Zakaria", "Zak", "", ""},
    {"Daniyal", "Danny", "", ""},
    {"Ibrahim", "Ibby", "", ""},
    {"Oluwaseun", "Seun", "", ""},
    {"Oluwadamilare", "Dami", "Damilare", ""},
    {"Oluwatoyin", "Toyin", "", ""},
    {"Temitope", "Tope", "Temi", ""},
    {"Chukwuemeka", "Emeka", "", ""},
    {"Funmilayo", "Funmi", "", ""},
    {"Ayodele", "Ayo", "", ""},
    {"Toluwani", "Tolu", "", ""},
    {"Ayomide", "Ayo", "Mide", ""},
    {"Kwabena", "Kobby", "", ""},
    {"Harjeet", "Harj", "", ""},
    {"Jaspreet", "Jas", "", ""},
    {"Sukhdeep", "Sukh", "", ""},
    {"Harvinder", "Harv", "", ""},
    {"Aleksander", "Olek", "Alek", ""},
    {"Zuzanna", "Zuza", "", ""},
    {"Andreea", "Andra", "", ""},
};

// Each row: spellings of one name, any of which a record may hold.
constexpr N kSpellingRows[][6] = {
    {"Muhammad", "Mohammed", "Mohammad", "Mohamed", "Muhammed", "Mohamad"},
    {"Aisha", "Ayesha", "Aysha", "Aishah", "", ""},
    {"Zainab", "Zaynab", "Zaynub", "", "", ""},
    {"Fatima", "Fatimah", "Faatima", "Fatma", "", ""},
    {"Maryam", "Mariam", "Mariyam", "", "", ""},
    {"Yusuf", "Yousef", "Yousuf", "Yusef", "", ""},
    {"Omar", "Umar", "", "", "", ""},
    {"Hussain", "Hussein", "Husain", "Hossain", "", ""},
    {"Ahmed", "Ahmad", "Ahmet", "", "", ""},
    {"Rahman", "Rehman", "", "", "", ""},
    {"Zain", "Zayn", "Zane", "", "", ""},
    {"Ismail", "Ismael", "", "", "", ""},
    {"Ibrahim", "Ebrahim", "", "", "", ""},
    {"Khadija", "Khadijah", "Khadeeja", "", "", ""},
    {"Hafsa", "Hafsah", "", "", "", ""},
    {"Safiya", "Safiyah", "Safia", "", "", ""},
    {"Amina", "Aminah", "Ameena", "", "", ""},
    {"Noor", "Nur", "Nour", "", "", ""},
    {"Zakariya", "Zakaria", "Zakariyya", "", "", ""},
    {"Abdullah", "Abdallah", "", "", "", ""},
    {"Abdirahman", "Abdurahman", "Abdulrahman", "", "", ""},
    {"Abdullahi", "Abdilahi", "", "", "", ""},
    {"Iqbal", "Ikbal", "", "", "", ""},
    {"Mahmood", "Mahmoud", "Mehmood", "Mahmud", "", ""},
    {"Chowdhury", "Choudhury", "Chaudhry", "Chaudhary", "", ""},
    {"Uddin", "Udin", "", "", "", ""},
    {"Miah", "Mia", "", "", "", ""},
    {"Begum", "Begam", "", "", "", ""},
    {"Hoque", "Haque", "Hoq", "", "", ""},
    {"Yousaf", "Yusaf", "", "", "", ""},
    {"Qureshi", "Kureshi", "", "", "", ""},
    {"Siobhan", "Shivaun", "Chevonne", "", "", ""},
    {"Niamh", "Neve", "Neave", "", "", ""},
    {"Saoirse", "Seersha", "", "", "", ""},
    {"Caoimhe", "Keeva", "", "", "", ""},
    {"Sinead", "Shinead", "", "", "", ""},
    {"Oisin", "Osheen", "", "", "", ""},
    {"Ciaran", "Kieran", "Kieron", "", "", ""},
    {"Sean", "Shaun", "Shawn", "", "", ""},
    {"Jayden", "Jaden", "Jaiden", "", "", ""},
    {"Aaliyah", "Aliyah", "Aleah", "", "", ""},
    {"Leah", "Lea", "Leigh", "", "", ""},
    {"Isabelle", "Isabel", "Isobel", "", "", ""},
    {"Sophia", "Sofia", "", "", "", ""},
    {"Zoë", "Zoe", "", "", "", ""},
    {"Tianna", "Tiana", "Tiannah", "", "", ""},
    {"Kacper", "Casper", "", "", "", ""},
    {"Łukasz", "Lukasz", "", "", "", ""},
    {"Michał", "Michal", "", "", "", ""},
    {"Tomáš", "Tomas", "", "", "", ""},
    {"Wiktoria", "Viktoria", "", "", "", ""},
    {"Kateřina", "Katerina", "", "", "", ""},
    {"Wiśniewski", "Wisniewski", "", "", "", ""},
    {"Wójcik", "Wojcik", "", "", "", ""},
    {"Kamiński", "Kaminski", "", "", "", ""},
    {"Zieliński", "Zielinski", "", "", "", ""},
    {"Dvořák", "Dvorak", "", "", "", ""},
    {"Andrei", "Andrey", "", "", "", ""},
    {"Jaspreet", "Jasprit", "", "", "", ""},
    {"Harjeet", "Harjit", "", "", "", ""},
    {"Manpreet", "Manprit", "", "", "", ""},
    {"Navneet", "Navnit", "", "", "", ""},
    {"Kaur", "Kour", "", "", "", ""},
    {"Chidera", "Chiderah", "", "", "", ""},
    {"Abena", "Abenaa", "", "", "", ""},
    {"Mensah", "Mensa", "", "", "", ""},
    {"Faadumo", "Fadumo", "Fatuma", "", "", ""},
    {"Nimco", "Nimo", "", "", "", ""},
    {"Hodan", "Hodaan", "", "", "", ""},
    {"Al-Sayed", "Alsayed", "El-Sayed", "", "", ""},
    {"Yousef", "Youssef", "", "", "", ""},
    {"Wong", "Wang", "", "", "", ""},
    {"Chan", "Chen", "", "", "", ""},
};

struct Tables {
  absl::flat_hash_map<N, std::vector<N>> nicknames;
  absl::flat_hash_map<N, std::vector<N>> spellings;
};

const Tables& GetTables() {
  static const Tables* const tables = [] {
    auto* built = new Tables;
    for (const auto& row : kNicknameRows) {
      for (size_t i = 1; i < 4 && !row[i].empty(); ++i) {
        built->nicknames[row[0]].push_back(row[i]);
      }
    }
    for (const auto& row : kSpellingRows) {
      for (const N name : row) {
        if (name.empty()) continue;
        std::vector<N>& others = built->spellings[name];
        for (const N other : row) {
          if (!other.empty() && other != name) others.push_back(other);
        }
      }
    }
    return built;
  }();
  return *tables;
}

absl::Span<const N> Find(const absl::flat_hash_map<N, std::vector<N>>& map,
                         N key) {
  auto it = map.find(key);
  if (it == map.end()) return {};
  return it->second;
}

}  // namespace

absl::Span<const absl::string_view> NicknamesOf(absl::string_view forename) {
  return Find(GetTables().nicknames, forename);
}

absl::Span<const absl::string_view> SpellingsOf(absl::string_view name) {
  return Find(GetTables().spellings, name);
}

}  // namespace equilink::client::synth
