#include <gtest/gtest.h>

#include <clocale>

#include "tui/text.hpp"

using namespace sstop::tui;

namespace {
// wcwidth needs a UTF-8 locale; only C.UTF-8 exists on the build machines.
class TuiText : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!std::setlocale(LC_ALL, "C.UTF-8")) GTEST_SKIP() << "no C.UTF-8 locale";
    }
    void TearDown() override { std::setlocale(LC_ALL, "C"); }
};
}  // namespace

TEST_F(TuiText, CountsAsciiAsOneCellEach) {
    EXPECT_EQ(cell_width("hello"), 5);
    EXPECT_EQ(cell_width(""), 0);
}

TEST_F(TuiText, CountsBlocksAsOneAndCjkAsTwoCells) {
    EXPECT_EQ(cell_width("▁▂█"), 3);
    EXPECT_EQ(cell_width("日本"), 4);
    EXPECT_EQ(cell_width("e\xcc\x81"), 1);  // e + combining acute
}

TEST_F(TuiText, ClipsToTheCellLimit) {
    EXPECT_EQ(clip_utf8("abcdef", 3), "abc");
    EXPECT_EQ(fit_cells("abcdef", 3).cells, 3);
    EXPECT_EQ(clip_utf8("abc", 10), "abc");
    EXPECT_EQ(clip_utf8("abc", 0), "");
}

TEST_F(TuiText, DropsAWideCharacterThatWouldStraddleTheEdge) {
    const CellText t = fit_cells("a日本", 4);
    EXPECT_EQ(t.cells, 3);
    EXPECT_EQ(t.chars, L"a日");
}

TEST_F(TuiText, ReplacesInvalidBytesWithQuestionMarks) {
    EXPECT_EQ(clip_utf8("a\xff"
                        "b",
                        10),
              "a?b");
    EXPECT_EQ(clip_utf8("\xe2\x96", 10), "??");         // truncated sequence
    EXPECT_EQ(clip_utf8("\xc0\xaf", 10), "??");         // overlong '/'
    EXPECT_EQ(clip_utf8("\xed\xa0\x80", 10), "???");    // surrogate
    EXPECT_EQ(clip_utf8("tab\there", 10), "tab?here");  // control characters
}

TEST_F(TuiText, AsciiModeReplacesNonAscii) {
    EXPECT_EQ(clip_utf8("a▁b", 10, false), "a?b");
    EXPECT_EQ(cell_width("日本", false), 2);
}
