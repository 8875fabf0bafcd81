#pragma once

// Checks on a millrace::ml::Result (std::string messages), the core/ml counterpart of
// testsupport/verify.h.

#include <QTest>

#include <initializer_list>
#include <string>

// Checks that a Result holds a value, showing the error otherwise.
#define ML_VERIFY_OK(expression)                                                                   \
    do {                                                                                           \
        const auto &result_ = (expression);                                                        \
        QVERIFY2(result_.hasValue(), result_.errorMessage().c_str());                              \
    } while (false)

// Checks that a Result failed with a message containing every one of the given fragments.
#define ML_VERIFY_FAILS(expression, ...)                                                           \
    do {                                                                                           \
        const auto &result_ = (expression);                                                        \
        QVERIFY2(!result_.hasValue(), "succeeded, but should have failed");                        \
        for (const std::string &fragment_ : std::initializer_list<std::string>{__VA_ARGS__}) {     \
            const std::string note_ =                                                              \
                "message '" + result_.errorMessage() + "' lacks '" + fragment_ + "'";              \
            QVERIFY2(result_.errorMessage().find(fragment_) != std::string::npos, note_.c_str());  \
        }                                                                                          \
    } while (false)
