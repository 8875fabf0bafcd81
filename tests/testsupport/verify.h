#pragma once

// Checks on a millrace::Result shared by the unit, integration and GUI tests. Include as
// "testsupport/verify.h" (millrace_add_test puts tests/ on the include path).

#include <QTest>

// Checks that a Result holds a value, showing the error otherwise.
#define VERIFY_OK(expression)                                                                      \
    do {                                                                                           \
        const auto &result_ = (expression);                                                        \
        QVERIFY2(result_.hasValue(), qPrintable(result_.errorMessage()));                          \
    } while (false)

// Checks that a Result failed with the given error code.
#define VERIFY_FAILS(expression, expectedCode)                                                     \
    do {                                                                                           \
        const auto &result_ = (expression);                                                        \
        QVERIFY2(!result_.hasValue(), "succeeded, but should have failed");                        \
        QCOMPARE(result_.error().code, expectedCode);                                              \
    } while (false)
