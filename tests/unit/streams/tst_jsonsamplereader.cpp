// The drain's fast path for JSON payloads against the general one (the JSON codec plugin and
// RecordLayout): whatever the fast reader accepts must read exactly as the codec and the
// layout read it, bit for bit, and whatever it is unsure of must be left to them. Hand-picked
// cases first, then thousands of seeded random mutations of valid payloads.

#include "core/plugins/pluginmanager.h"
#include "core/streams/jsonsamplereader.h"
#include "core/streams/recordlayout.h"
#include "plugins/api/messagecodec.h"

#include <QRandomGenerator>
#include <QTest>

#include <cstring>

using namespace millrace;
using namespace millrace::streams;
using namespace Qt::StringLiterals;

namespace {

RecordLayout smallLayout()
{
    RecordLayout layout = RecordLayout::fashionMnist();
    layout.sampleShape = {4};
    return layout;
}

struct Read
{
    bool ok = false;
    std::vector<float> features;
    std::int64_t classIndex = -1;
    QByteArray id;
};

} // namespace

class TestJsonSampleReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
        m_codec = m_plugins.find<plugins::MessageCodec>(u"json-codec"_s);
        QVERIFY2(m_codec, "json-codec not found in " MILLRACE_BUILTIN_PLUGIN_DIR);
    }

    void readsWhatItUnderstands_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QByteArray>("id");

        QTest::newRow("plain") << QByteArray(R"({"id":"a-1","label":3,"image":[0,1,254,255]})")
                               << QByteArray("a-1");
        QTest::newRow("order and spaces")
            << QByteArray(" {\n\t\"image\" : [ 0 , 1 ,2,3 ] ,\"label\": 9 , \"id\" : \"x\" }\r\n")
            << QByteArray("x");
        QTest::newRow("integer id")
            << QByteArray(R"({"id":-42,"label":0,"image":[1,2,3,4]})") << QByteArray("-42");
        QTest::newRow("no id") << QByteArray(R"({"label":1,"image":[1,2,3,4]})") << QByteArray();
        QTest::newRow("id beyond 2^53")
            << QByteArray(R"({"id":9007199254740993,"label":1,"image":[1,2,3,4]})")
            << QByteArray("9007199254740993");
        QTest::newRow("negative zeros")
            << QByteArray(R"({"label":0,"image":[-0,-0.0,-0E25,0]})") << QByteArray();
        QTest::newRow("numbers of every form")
            << QByteArray(R"({"label":2.0,"image":[-0,0.5,1e2,-1.25E-3],"id":"n"})")
            << QByteArray("n");
        QTest::newRow("a long pixel among short ones")
            << QByteArray(R"({"label":1,"image":[7,1000,12.5,255],"id":"p"})") << QByteArray("p");
        QTest::newRow("other fields")
            << QByteArray(R"({"meta":{"a":[1,{"b":null}],"c":true,"d":false},"label":5,)"
                          R"("t":1.5e10,"image":[1,2,3,4],"s":"text","e":[],"o":{}})")
            << QByteArray();
    }

    void readsWhatItUnderstands()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QByteArray, id);
        const Read fast = readFast(smallLayout(), payload);
        const Read general = readGeneral(smallLayout(), payload);
        QVERIFY(general.ok);
        QVERIFY2(fast.ok, "the fast reader left a plain sample to the general path");
        QVERIFY(sameRead(fast, general));
        QCOMPARE(fast.id, id);
    }

    void leavesTheRestToTheGeneralPath_data()
    {
        QTest::addColumn<QByteArray>("payload");

        QTest::newRow("not JSON") << QByteArray("{\"label\":1,\"image\":[1,2,3,4]");
        QTest::newRow("trailing bytes") << QByteArray(R"({"label":1,"image":[1,2,3,4]} x)");
        QTest::newRow("array") << QByteArray("[1,2,3]");
        QTest::newRow("empty object") << QByteArray("{}");
        QTest::newRow("escaped id") << QByteArray(R"({"id":"a\nb","label":1,"image":[1,2,3,4]})");
        QTest::newRow("non-ASCII text") << QByteArray("{\"n\":\"Stra\xc3\x9f"
                                                      "e\",\"label\":1,\"image\":[1,2,3,4]}");
        QTest::newRow("duplicate label")
            << QByteArray(R"({"label":1,"label":2,"image":[1,2,3,4]})");
        QTest::newRow("label out of range") << QByteArray(R"({"label":10,"image":[1,2,3,4]})");
        QTest::newRow("fractional label") << QByteArray(R"({"label":1.5,"image":[1,2,3,4]})");
        QTest::newRow("label as text") << QByteArray(R"({"label":"1","image":[1,2,3,4]})");
        QTest::newRow("null label") << QByteArray(R"({"label":null,"image":[1,2,3,4]})");
        QTest::newRow("short image") << QByteArray(R"({"label":1,"image":[1,2,3]})");
        QTest::newRow("long image") << QByteArray(R"({"label":1,"image":[1,2,3,4,5]})");
        QTest::newRow("text pixel") << QByteArray(R"({"label":1,"image":[1,"2",3,4]})");
        QTest::newRow("huge pixel") << QByteArray(R"({"label":1,"image":[1,1e400,3,4]})");
        QTest::newRow("pixel beyond float") << QByteArray(R"({"label":1,"image":[1,1e300,3,4]})");
        QTest::newRow("leading zero") << QByteArray(R"({"label":1,"image":[01,2,3,4]})");
        QTest::newRow("leading zero later") << QByteArray(R"({"label":1,"image":[1,2,03,4]})");
        QTest::newRow("missing pixel") << QByteArray(R"({"label":1,"image":[1,,3,4]})");
        QTest::newRow("plus sign") << QByteArray(R"({"label":1,"image":[+1,2,3,4]})");
        QTest::newRow("bare fraction") << QByteArray(R"({"label":1,"image":[.5,2,3,4]})");
        QTest::newRow("dangling point") << QByteArray(R"({"label":1,"image":[1.,2,3,4]})");
        QTest::newRow("NaN") << QByteArray(R"({"label":1,"image":[NaN,2,3,4]})");
        QTest::newRow("fractional id") << QByteArray(R"({"id":1.5,"label":1,"image":[1,2,3,4]})");
        QTest::newRow("id beyond 64 bits")
            << QByteArray(R"({"id":9223372036854775808,"label":1,"image":[1,2,3,4]})");
        QTest::newRow("id with exponent")
            << QByteArray(R"({"id":1e3,"label":1,"image":[1,2,3,4]})");
        QTest::newRow("underflow") << QByteArray(R"({"label":1,"image":[1e-400,2,3,4]})");
        QTest::newRow("deep nesting")
            << QByteArray("{\"x\":" + QByteArray(40, '[') + QByteArray(40, ']')
                          + ",\"label\":1,\"image\":[1,2,3,4]}");
    }

    void leavesTheRestToTheGeneralPath()
    {
        QFETCH(QByteArray, payload);
        QVERIFY(!readFast(smallLayout(), payload).ok);
    }

    void agreesWithTheGeneralPathOnMutatedPayloads()
    {
        // Seeded, so a failure reproduces; each mutation is one edit of a valid payload, the
        // kind of damage a buggy producer does.
        QRandomGenerator random(20250314);
        const QByteArray alphabet("0123456789-+.eE,:[]{}\" \\ntrufalsx\x80\x01\t/");
        const std::vector<QByteArray> seeds = {
            R"({"id":"a-1","label":3,"image":[0,1,254,255]})",
            R"({"image":[1.5e2,-0.25,3E+1,12],"id":77,"label":9,"meta":{"k":[true,null]}})",
            R"( { "label" : 0 , "image" : [ 0 , 0 , 0 , 0 ] } )",
        };
        int acceptedByBoth = 0;
        for (int round = 0; round < 30000; ++round) {
            QByteArray payload = seeds[std::size_t(random.bounded(int(seeds.size())))];
            const int edits = 1 + random.bounded(2);
            for (int e = 0; e < edits; ++e) {
                const int at = random.bounded(int(payload.size()));
                const char c = alphabet[random.bounded(int(alphabet.size()))];
                switch (random.bounded(3)) {
                case 0:
                    payload[at] = c;
                    break;
                case 1:
                    payload.remove(at, 1);
                    break;
                default:
                    payload.insert(at, c);
                }
            }
            const Read fast = readFast(smallLayout(), payload);
            if (!fast.ok)
                continue;
            const Read general = readGeneral(smallLayout(), payload);
            QVERIFY2(general.ok && sameRead(fast, general), payload.constData());
            ++acceptedByBoth;
        }
        // Many mutations (a digit for a digit, a space) still make a valid sample: the
        // comparison above must have had work to do.
        QVERIFY2(acceptedByBoth > 1000, qPrintable(QString::number(acceptedByBoth)));
    }

    void fashionMnistPayloadsReadTheSame()
    {
        const RecordLayout layout = RecordLayout::fashionMnist();
        QByteArray payload = R"({"id":"img-7","label":7,"image":[)";
        for (int i = 0; i < 784; ++i)
            payload += (i ? "," : "") + QByteArray::number((i * 37) % 256);
        payload += "]}";
        const Read fast = readFast(layout, payload);
        const Read general = readGeneral(layout, payload);
        QVERIFY(fast.ok && general.ok);
        QVERIFY(sameRead(fast, general));
        QCOMPARE(fast.features[1], 37.0f / 255.0f);
    }

private:
    Read readFast(const RecordLayout &layout, const QByteArray &payload) const
    {
        Read read;
        read.features.assign(layout.featureCount(), -1.0f);
        JsonSampleReader::Sample sample;
        read.ok = JsonSampleReader(layout).read(payload, read.features, sample);
        read.classIndex = sample.classIndex;
        read.id = sample.id.toByteArray();
        return read;
    }

    Read readGeneral(const RecordLayout &layout, const QByteArray &payload) const
    {
        Read read;
        QJsonObject record;
        QString error;
        if (!m_codec->decode(payload, record, error))
            return read;
        if (!layout.toSample(record, read.features, read.classIndex))
            return read;
        const Result<QString> id = layout.idOf(record);
        if (!id)
            return read;
        read.id = id->toUtf8();
        read.ok = true;
        return read;
    }

    static bool sameRead(const Read &a, const Read &b)
    {
        return a.features.size() == b.features.size()
               && std::memcmp(a.features.data(), b.features.data(),
                              a.features.size() * sizeof(float))
                      == 0
               && a.classIndex == b.classIndex && a.id == b.id;
    }

    PluginManager m_plugins;
    plugins::MessageCodec *m_codec = nullptr;
};

QTEST_GUILESS_MAIN(TestJsonSampleReader)
#include "tst_jsonsamplereader.moc"
