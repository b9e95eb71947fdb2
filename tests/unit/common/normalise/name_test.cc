#include "common/normalise/name.h"

#include "common/normalise/text_fold.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

TEST(FoldToAsciiWordsTest, CaseDiacriticsAndPunctuation) {
  EXPECT_EQ(FoldToAsciiWords("ZOË"), "zoe");
  EXPECT_EQ(FoldToAsciiWords("Zoe\xCC\x88"), "zoe");  // e + combining diaeresis
  EXPECT_EQ(FoldToAsciiWords("José Núñez"), "jose nunez");
  EXPECT_EQ(FoldToAsciiWords("Straße"), "strasse");
  EXPECT_EQ(FoldToAsciiWords("ẞ"), "ss");
  EXPECT_EQ(FoldToAsciiWords("Øyvind Łukasz"), "oyvind lukasz");
  EXPECT_EQ(FoldToAsciiWords("Æthelred Œuvre"), "aethelred oeuvre");
  EXPECT_EQ(FoldToAsciiWords("Þór Ðan"), "thor dan");
  EXPECT_EQ(FoldToAsciiWords("Dvořák Ştefan Ștefan"), "dvorak stefan stefan");
  EXPECT_EQ(FoldToAsciiWords("Müller"), "muller");
  EXPECT_EQ(FoldToAsciiWords("O'Neil O’Neil O`Neil"), "oneil oneil oneil");
  EXPECT_EQ(FoldToAsciiWords("St. John"), "st john");
  EXPECT_EQ(FoldToAsciiWords("Smith-Jones, Anne–Marie"),
            "smith jones anne marie");
  EXPECT_EQ(FoldToAsciiWords("  a \t\n b  "), "a b");
  EXPECT_EQ(FoldToAsciiWords("Иван"), "");  // other scripts separate words
  EXPECT_EQ(FoldToAsciiWords("a\xFF"
                             "b\xC3"),
            "a b");  // invalid UTF-8
  EXPECT_EQ(FoldToAsciiWords("\xC0\xAF"
                             "x"),
            "x");  // overlong encoding
  EXPECT_EQ(FoldToAsciiWords("John2"), "john");
  EXPECT_EQ(FoldToAsciiWords("12a High", {.keep_digits = true}), "12a high");
  EXPECT_EQ(FoldToAsciiWords(""), "");
}

TEST(NormaliseNameWordsTest, StripsTitlesAndSuffixes) {
  EXPECT_EQ(NormaliseNameWords("Mrs Mary-Jane O'Brien"), "mary jane obrien");
  EXPECT_EQ(NormaliseNameWords("Dr. Prof. Jane Smith"), "jane smith");
  EXPECT_EQ(NormaliseNameWords("John Smith Jr."), "john smith");
  EXPECT_EQ(NormaliseNameWords("John Smith Snr III"), "john smith");
  EXPECT_EQ(NormaliseNameWords("Sir"), "sir");  // never strips the last word
  EXPECT_EQ(NormaliseNameWords("Miss Jr"), "jr");
  EXPECT_EQ(NormaliseNameWords("Marr"), "marr");  // only whole words
  EXPECT_EQ(NormaliseNameWords("   "), "");
}

TEST(NormaliseForenameTest, FirstGivenNameOnly) {
  EXPECT_EQ(NormaliseForename("JOHN"), "john");
  EXPECT_EQ(NormaliseForename("John Paul"), "john");
  EXPECT_EQ(NormaliseForename("Jean-Paul"), "jean");
  EXPECT_EQ(NormaliseForename("Mr Jean Paul"), "jean");
  EXPECT_EQ(NormaliseForename(" Zoë "), "zoe");
  EXPECT_EQ(NormaliseForename("D'Arcy"), "darcy");
  EXPECT_EQ(NormaliseForename(""), "");
  EXPECT_EQ(NormaliseForename("-"), "");
}

TEST(NormaliseSurnameTest, PartsJoined) {
  EXPECT_EQ(NormaliseSurname("Smith-Jones"), "smithjones");
  EXPECT_EQ(NormaliseSurname("Smith Jones"), "smithjones");
  EXPECT_EQ(NormaliseSurname("SMITHJONES"), "smithjones");
  EXPECT_EQ(NormaliseSurname("O'Neil"), "oneil");
  EXPECT_EQ(NormaliseSurname("van der Berg"), "vanderberg");
  EXPECT_EQ(NormaliseSurname("Smith Jr"), "smith");
  EXPECT_EQ(NormaliseSurname("Łęcka-Żółć"), "leckazolc");
}

TEST(SplitFullNameTest, CommaForm) {
  SplitName s = SplitFullName("SMITH, John Paul");
  EXPECT_EQ(s.surname, "SMITH");
  EXPECT_EQ(s.forename, "John Paul");
  s = SplitFullName("  van der Berg ,  Anna  ");
  EXPECT_EQ(s.surname, "van der Berg");
  EXPECT_EQ(s.forename, "Anna");
}

TEST(SplitFullNameTest, ForenameFirstForm) {
  SplitName s = SplitFullName("John Paul Smith");
  EXPECT_EQ(s.forename, "John Paul");
  EXPECT_EQ(s.surname, "Smith");
  s = SplitFullName("Mr. John Smith-Jones Jr");
  EXPECT_EQ(s.forename, "John");
  EXPECT_EQ(s.surname, "Smith-Jones");
  s = SplitFullName("Anna van der Berg");
  EXPECT_EQ(s.forename, "Anna");
  EXPECT_EQ(s.surname, "van der Berg");
  s = SplitFullName("De Souza");  // a particle never takes the only forename
  EXPECT_EQ(s.forename, "De");
  EXPECT_EQ(s.surname, "Souza");
  s = SplitFullName("Madonna");
  EXPECT_EQ(s.forename, "");
  EXPECT_EQ(s.surname, "Madonna");
  s = SplitFullName("   ");
  EXPECT_EQ(s.forename, "");
  EXPECT_EQ(s.surname, "");
}

TEST(SplitFullNameTest, FeedsNormalisers) {
  const SplitName s = SplitFullName("Dr José María García-López");
  EXPECT_EQ(NormaliseForename(s.forename), "jose");
  EXPECT_EQ(NormaliseSurname(s.surname), "garcialopez");
}

TEST(NormaliseNameWordsTest, IntoReusedBufferMatches) {
  std::string out = "older and longer contents of a reused buffer";
  for (const char* raw : {"Mrs Mary-Jane O'Brien", "John Smith Snr III", "Sir",
                          "Miss Jr", "   ", "Dr. Prof. Jane Smith"}) {
    NormaliseNameWordsInto(raw, &out);
    EXPECT_EQ(out, NormaliseNameWords(raw)) << raw;
  }
}

}  // namespace
}  // namespace equilink
