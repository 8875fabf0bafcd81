#include "core/plugins/pluginmanager.h"
#include "plugins/api/messagecodec.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace millrace;
using namespace Qt::StringLiterals;

// The built-in JSON codec, loaded from the build tree's plugin folder the way the app loads it.
class TestJsonCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void describesItsFormat();
    void decodesObjects_data();
    void decodesObjects();
    void reportsWhereJsonIsBroken_data();
    void reportsWhereJsonIsBroken();
    void rejectsWhatIsNotAnObject_data();
    void rejectsWhatIsNotAnObject();
    void encodesCompactJsonThatDecodesBack();

private:
    PluginManager m_plugins;
    plugins::MessageCodec *m_codec = nullptr;
};

void TestJsonCodec::initTestCase()
{
    m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    for (const PluginLoadError &error : m_plugins.errors())
        qWarning() << error.file << error.message;
    m_codec = m_plugins.find<plugins::MessageCodec>(u"json-codec"_s);
    QVERIFY2(m_codec, "json-codec not found in " MILLRACE_BUILTIN_PLUGIN_DIR);
}

void TestJsonCodec::describesItsFormat()
{
    QCOMPARE(m_codec->contentType(), u"application/json"_s);
}

void TestJsonCodec::decodesObjects_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QJsonObject>("expected");

    QTest::newRow("sample") << QByteArray(R"({"label": 3, "pixels": [0, 255]})")
                            << QJsonObject{{u"label"_s, 3}, {u"pixels"_s, QJsonArray{0, 255}}};
    QTest::newRow("empty object") << QByteArray("{}") << QJsonObject();
    QTest::newRow("whitespace and nesting")
        << QByteArray(" \n{ \"meta\" : { \"topic\": \"fashion\" } }\n")
        << QJsonObject{{u"meta"_s, QJsonObject{{u"topic"_s, u"fashion"_s}}}};
    QTest::newRow("utf-8 text") << QByteArray("{\"name\": \"Stra\xc3\x9f"
                                              "e \xe2\x9c\x93\"}")
                                << QJsonObject{{u"name"_s, u"Straße ✓"_s}};
}

void TestJsonCodec::decodesObjects()
{
    QFETCH(QByteArray, payload);
    QFETCH(QJsonObject, expected);

    QJsonObject record;
    QString error;
    QVERIFY2(m_codec->decode(payload, record, error), qPrintable(error));
    QCOMPARE(record, expected);
}

void TestJsonCodec::reportsWhereJsonIsBroken_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("offset");

    // Offsets as the user would count them: the byte at which the payload stops making sense.
    QTest::newRow("cut off") << QByteArray(R"({"label": 3,)") << 12;
    QTest::newRow("missing comma") << QByteArray(R"({"a": 1 "b": 2})") << 8;
    QTest::newRow("garbage after the object") << QByteArray(R"({"a": 1} x)") << 9;
    QTest::newRow("empty payload") << QByteArray() << 0;
}

void TestJsonCodec::reportsWhereJsonIsBroken()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, offset);

    const QJsonObject before{{u"kept"_s, true}};
    QJsonObject record = before;
    QString error;
    QVERIFY(!m_codec->decode(payload, record, error));
    QCOMPARE(record, before);
    const QRegularExpressionMatch match =
        QRegularExpression(u"not valid JSON at byte (\\d+): \\S"_s).match(error);
    QVERIFY2(match.hasMatch(), qPrintable(error));
    // The reported offset is where the problem is, give or take the token it stopped in.
    QVERIFY2(qAbs(match.captured(1).toInt() - offset) <= 1, qPrintable(error));
}

void TestJsonCodec::rejectsWhatIsNotAnObject_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("reason");

    QTest::newRow("array") << QByteArray("[1, 2, 3]") << u"expected a JSON object, got an array"_s;
    QTest::newRow("array of objects")
        << QByteArray(R"([{"a": 1}])") << u"expected a JSON object, got an array"_s;
    // A top-level scalar is refused either as not-an-object or as not valid JSON; both name it.
    QTest::newRow("number") << QByteArray("42") << QString();
    QTest::newRow("string") << QByteArray(R"("text")") << QString();
    QTest::newRow("null") << QByteArray("null") << QString();
}

void TestJsonCodec::rejectsWhatIsNotAnObject()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, reason);

    const QJsonObject before{{u"kept"_s, true}};
    QJsonObject record = before;
    QString error;
    QVERIFY(!m_codec->decode(payload, record, error));
    QCOMPARE(record, before);
    QVERIFY(!error.isEmpty());
    if (!reason.isEmpty())
        QCOMPARE(error, reason);
}

void TestJsonCodec::encodesCompactJsonThatDecodesBack()
{
    const QJsonObject record{{u"label"_s, 7},
                             {u"pixels"_s, QJsonArray{0, 12, 255}},
                             {u"source"_s, QJsonObject{{u"partition"_s, 2}, {u"offset"_s, 1041}}},
                             {u"note"_s, u"quote \" and ✓"_s}};
    const QByteArray payload = m_codec->encode(record);
    QVERIFY(!payload.contains('\n'));
    QVERIFY(payload.startsWith('{'));

    QJsonObject decoded;
    QString error;
    QVERIFY2(m_codec->decode(payload, decoded, error), qPrintable(error));
    QCOMPARE(decoded, record);
}

QTEST_GUILESS_MAIN(TestJsonCodec)

#include "tst_jsoncodec.moc"
