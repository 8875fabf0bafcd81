// The message browser's filter on its own: what the search box text parses to, where bad text
// is reported, and which keys and values each filter lets through.

#include "core/streams/kafkahandles.h"
#include "core/streams/messagefilter.h"
#include "testsupport/verify.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace millrace::streams;
using Kind = MessageFilter::Kind;
using Operator = MessageFilter::Operator;

Q_DECLARE_METATYPE(MessageFilter::Kind)
Q_DECLARE_METATYPE(MessageFilter::Operator)

class TestMessageFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<QString>("searchText");
        QTest::addColumn<QStringList>("path");
        QTest::addColumn<Operator>("op");
        // The literal as JSON, wrapped in an array ("[3]") so scalars parse.
        QTest::addColumn<QByteArray>("operand");

        const QStringList none;
        QTest::newRow("empty") << "" << Kind::All << "" << none << Operator::Equal << QByteArray();
        QTest::newRow("blanks") << "   " << Kind::All << "" << none << Operator::Equal
                                << QByteArray();
        QTest::newRow("word") << "timeout" << Kind::Text << "timeout" << none << Operator::Equal
                              << QByteArray();
        QTest::newRow("trimmed words") << "  sensor 12 " << Kind::Text << "sensor 12" << none
                                       << Operator::Equal << QByteArray();
        QTest::newRow("colon is not an operator")
            << "error: disk full" << Kind::Text << "error: disk full" << none << Operator::Equal
            << QByteArray();
        QTest::newRow("starts with a digit")
            << "2024-05-01 < now" << Kind::Text << "2024-05-01 < now" << none << Operator::Equal
            << QByteArray();
        QTest::newRow("quoted predicate is text")
            << R"("a < b")" << Kind::Text << "a < b" << none << Operator::Equal << QByteArray();
        QTest::newRow("quoted with escapes")
            << "  \"say \\\"hi\\\"\\n\" " << Kind::Text << "say \"hi\"\n"
            << none << Operator::Equal << QByteArray();
        QTest::newRow("containsX is a word") << "name containsX" << Kind::Text << "name containsX"
                                             << none << Operator::Equal << QByteArray();

        QTest::newRow("==") << "label == 3" << Kind::Predicate << "" << QStringList{"label"}
                            << Operator::Equal << QByteArray("[3]");
        QTest::newRow("no spaces") << "label==3" << Kind::Predicate << "" << QStringList{"label"}
                                   << Operator::Equal << QByteArray("[3]");
        QTest::newRow("nested string")
            << R"(meta.source == "sim")" << Kind::Predicate << "" << QStringList{"meta", "source"}
            << Operator::Equal << QByteArray(R"(["sim"])");
        QTest::newRow(">=") << "score >= 0.5" << Kind::Predicate << "" << QStringList{"score"}
                            << Operator::GreaterOrEqual << QByteArray("[0.5]");
        QTest::newRow(">") << "score > -1e3" << Kind::Predicate << "" << QStringList{"score"}
                           << Operator::Greater << QByteArray("[-1000]");
        QTest::newRow("<") << "n < 10" << Kind::Predicate << "" << QStringList{"n"}
                           << Operator::Less << QByteArray("[10]");
        QTest::newRow("<=") << "n <= 10" << Kind::Predicate << "" << QStringList{"n"}
                            << Operator::LessOrEqual << QByteArray("[10]");
        QTest::newRow("!= null") << "id != null" << Kind::Predicate << "" << QStringList{"id"}
                                 << Operator::NotEqual << QByteArray("[null]");
        QTest::newRow("== true") << "ok == true" << Kind::Predicate << "" << QStringList{"ok"}
                                 << Operator::Equal << QByteArray("[true]");
        QTest::newRow("contains") << R"(name contains "shirt")" << Kind::Predicate << ""
                                  << QStringList{"name"} << Operator::Contains
                                  << QByteArray(R"(["shirt"])");
        QTest::newRow("array index")
            << R"(items.0.sku == "A1")" << Kind::Predicate << "" << QStringList{"items", "0", "sku"}
            << Operator::Equal << QByteArray(R"(["A1"])");
        QTest::newRow("odd key characters")
            << "$meta.user-id == 7" << Kind::Predicate << "" << QStringList{"$meta", "user-id"}
            << Operator::Equal << QByteArray("[7]");
        QTest::newRow("string with spaces")
            << R"(  name == "a b"  )" << Kind::Predicate << "" << QStringList{"name"}
            << Operator::Equal << QByteArray(R"(["a b"])");
    }

    void parses()
    {
        QFETCH(QString, text);
        QFETCH(Kind, kind);
        QFETCH(QString, searchText);
        QFETCH(QStringList, path);
        QFETCH(Operator, op);
        QFETCH(QByteArray, operand);

        const millrace::Result<MessageFilter> filter = MessageFilter::parse(text);
        VERIFY_OK(filter);
        QCOMPARE(filter->kind(), kind);
        QCOMPARE(filter->text(), text);
        if (kind == Kind::Text)
            QCOMPARE(filter->searchText(), searchText);
        if (kind == Kind::Predicate) {
            QCOMPARE(filter->path(), path);
            QCOMPARE(filter->op(), op);
            QCOMPARE(filter->operand(), QJsonDocument::fromJson(operand).array().at(0));
        }
    }

    void badTextNamesThePosition_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("says");

        QTest::newRow("single =") << "label = 3" << 7 << "'=='";
        QTest::newRow("no value") << "label ==" << 9 << "expected a JSON value";
        QTest::newRow("no value, blanks") << "label ==   " << 12 << "expected a JSON value";
        QTest::newRow("unquoted word") << "source == sim" << 11 << "quote it";
        QTest::newRow("bad number") << "score >= 0.5.1" << 10 << "not a JSON number";
        QTest::newRow("leading zero") << "n == 01" << 6 << "not a JSON number";
        QTest::newRow("unclosed string") << "name == \"shirt" << 9 << "not closed";
        QTest::newRow("bad escape") << "name == \"a\\q\"" << 11 << "'\\q' is not a JSON escape";
        QTest::newRow("short unicode escape") << "name == \"\\u12\"" << 10 << "four hex digits";
        QTest::newRow("bad escape in quoted text") << "\"tab\\x\"" << 5 << "not a JSON escape";
        QTest::newRow("control character") << "name == \"a\tb\"" << 11 << "must be escaped";
        QTest::newRow("trailing text") << "n == 3 and m == 4" << 8 << "unexpected text";
        QTest::newRow("unknown operator") << "n =< 3" << 3 << "'=' is not an operator";
        QTest::newRow("<> ") << "n <> 3" << 3 << "unknown operator '<>'";
        QTest::newRow("empty segment") << "meta..source == 1" << 6 << "segment is empty";
        QTest::newRow("trailing dot") << "meta. == 1" << 6 << "segment is empty";
        QTest::newRow("ordered null") << "n < null" << 5 << "compares numbers or strings";
        QTest::newRow("ordered bool") << "n >= true" << 6 << "compares numbers or strings";
        QTest::newRow("unclosed quoted text") << "\"abc" << 1 << "not closed";
        QTest::newRow("after quoted text") << R"("abc" def)" << 7 << "after the quoted text";
    }

    void badTextNamesThePosition()
    {
        QFETCH(QString, text);
        QFETCH(int, column);
        QFETCH(QString, says);

        const millrace::Result<MessageFilter> filter = MessageFilter::parse(text);
        VERIFY_FAILS(filter, QString::fromLatin1(errorcode::kInvalidArgument));
        const QString message = filter.errorMessage();
        QVERIFY2(message.contains(QStringLiteral("column %1:").arg(column)), qPrintable(message));
        QVERIFY2(message.contains(says), qPrintable(message));
    }

    void matches_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("expected");

        const QByteArray shirt = R"({"label": 3, "score": 0.75, "name": "Blue shirt",
            "meta": {"source": "sim", "tags": ["red", 2, null]}, "id": null,
            "items": [{"sku": "A1"}, {"sku": "B2"}], "big": 12345678901234567890})";

        QTest::newRow("everything") << "" << QByteArray() << QByteArray() << true;
        QTest::newRow("text in value") << "shirt" << QByteArray("k") << shirt << true;
        QTest::newRow("text ignores ASCII case") << "BLUE SHIRT" << QByteArray() << shirt << true;
        QTest::newRow("text in key")
            << "order-7" << QByteArray("ORDER-77") << QByteArray("x") << true;
        QTest::newRow("text missing") << "trousers" << QByteArray("k") << shirt << false;
        QTest::newRow("text in binary")
            << "abc" << QByteArray() << QByteArray::fromHex("00ff414243") << true;
        QTest::newRow("non-ASCII must match its case")
            << QStringLiteral("Ärger") << QByteArray() << QStringLiteral("ärger").toUtf8() << false;
        QTest::newRow("non-ASCII exact") << QStringLiteral("ärger") << QByteArray()
                                         << QStringLiteral("viel ärger").toUtf8() << true;
        QTest::newRow("quoted text")
            << R"("n == 3")" << QByteArray() << QByteArray("if n == 3") << true;

        QTest::newRow("== number") << "label == 3" << QByteArray() << shirt << true;
        QTest::newRow("== number as float") << "label == 3.0" << QByteArray() << shirt << true;
        QTest::newRow("== other number") << "label == 4" << QByteArray() << shirt << false;
        QTest::newRow("== string vs number") << R"(label == "3")" << QByteArray() << shirt << false;
        QTest::newRow("!= number") << "label != 4" << QByteArray() << shirt << true;
        QTest::newRow("!= same") << "label != 3" << QByteArray() << shirt << false;
        QTest::newRow("< ") << "score < 0.8" << QByteArray() << shirt << true;
        QTest::newRow("< equal") << "score < 0.75" << QByteArray() << shirt << false;
        QTest::newRow("<=") << "score <= 0.75" << QByteArray() << shirt << true;
        QTest::newRow(">") << "score > 0.75" << QByteArray() << shirt << false;
        QTest::newRow(">=") << "score >= 0.5" << QByteArray() << shirt << true;
        QTest::newRow("> string") << R"(name > "Apple")" << QByteArray() << shirt << true;
        QTest::newRow("< number vs string") << "name < 5" << QByteArray() << shirt << false;
        QTest::newRow("nested ==") << R"(meta.source == "sim")" << QByteArray() << shirt << true;
        QTest::newRow("nested !=") << R"(meta.source != "real")" << QByteArray() << shirt << true;
        QTest::newRow("array index") << R"(items.1.sku == "B2")" << QByteArray() << shirt << true;
        QTest::newRow("array index out of range")
            << R"(items.5.sku == "B2")" << QByteArray() << shirt << false;
        QTest::newRow("index into object")
            << R"(meta.0 == "sim")" << QByteArray() << shirt << false;
        QTest::newRow("contains substring")
            << R"(name contains "shirt")" << QByteArray() << shirt << true;
        QTest::newRow("contains is case-sensitive")
            << R"(name contains "Shirt")" << QByteArray() << shirt << false;
        QTest::newRow("contains in array")
            << R"(meta.tags contains "red")" << QByteArray() << shirt << true;
        QTest::newRow("contains number in array")
            << "meta.tags contains 2" << QByteArray() << shirt << true;
        QTest::newRow("contains null in array")
            << "meta.tags contains null" << QByteArray() << shirt << true;
        QTest::newRow("contains missing in array")
            << R"(meta.tags contains "blue")" << QByteArray() << shirt << false;
        QTest::newRow("contains on number") << "label contains 3" << QByteArray() << shirt << false;
        QTest::newRow("null field == null") << "id == null" << QByteArray() << shirt << true;
        QTest::newRow("null field != null") << "id != null" << QByteArray() << shirt << false;
        QTest::newRow("present != null") << "label != null" << QByteArray() << shirt << true;
        QTest::newRow("missing == null") << "nothing == null" << QByteArray() << shirt << true;
        QTest::newRow("missing != 3") << "nothing != 3" << QByteArray() << shirt << true;
        QTest::newRow("missing > 3") << "nothing > 3" << QByteArray() << shirt << false;
        QTest::newRow("path through a scalar")
            << "label.x == null" << QByteArray() << shirt << true;
        QTest::newRow("big number") << "big > 1e19" << QByteArray() << shirt << true;
        QTest::newRow("a path cannot start with an index: text")
            << "0.n == 1" << QByteArray() << QByteArray(R"([{"n": 1}])") << false;
        QTest::newRow("key is not searched by predicates")
            << "label == 3" << QByteArray(R"({"label": 3})") << QByteArray("{}") << false;

        QTest::newRow("plain text value")
            << "label != 3" << QByteArray() << QByteArray("hello") << false;
        QTest::newRow("JSON scalar value")
            << "label != 3" << QByteArray() << QByteArray("3") << false;
        QTest::newRow("broken JSON value")
            << "label != 3" << QByteArray() << QByteArray(R"({"label": )") << false;
        QTest::newRow("null value") << "label != 3" << QByteArray() << QByteArray() << false;
        QTest::newRow("binary value")
            << "label != 3" << QByteArray() << QByteArray("{\xff\xfe}", 4) << false;
    }

    void matches()
    {
        QFETCH(QString, filter);
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, value);
        QFETCH(bool, expected);

        const millrace::Result<MessageFilter> parsed = MessageFilter::parse(filter);
        VERIFY_OK(parsed);
        QCOMPARE(parsed->matches(key, value), expected);
    }

    void aDefaultFilterMatchesEverything()
    {
        const MessageFilter filter;
        QCOMPARE(filter.kind(), Kind::All);
        QVERIFY(filter.matches(QByteArrayView(), QByteArrayView()));
        QVERIFY(filter.matches("k", "\x01\x02"));
    }
};

QTEST_GUILESS_MAIN(TestMessageFilter)
#include "tst_messagefilter.moc"
