// How a decoded message becomes a sample: the Fashion-MNIST layout on good records, every bad
// record with the reason a user reads in the dead-letter file, and the layout's JSON form.

#include "core/streams/recordlayout.h"
#include "testsupport/verify.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace millrace::streams;
using namespace Qt::StringLiterals;

namespace {

QJsonArray pixels(int count, int value = 0)
{
    QJsonArray array;
    for (int i = 0; i < count; ++i)
        array.append((value + i) % 256);
    return array;
}

QJsonObject goodRecord()
{
    return QJsonObject{{u"id"_s, u"m-1"_s}, {u"label"_s, 7}, {u"image"_s, pixels(784)}};
}

} // namespace

class TestRecordLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fashionMnistReadsAGoodRecord()
    {
        const RecordLayout layout = RecordLayout::fashionMnist();
        VERIFY_OK(layout.validate());
        QCOMPARE(layout.featureCount(), std::size_t(784));
        QCOMPARE(layout.classNames.size(), 10);
        QCOMPARE(layout.classNames.constLast(), u"Ankle boot"_s);

        std::vector<float> features{42.0f}; // samples are appended, not overwritten
        std::int64_t label = -1;
        VERIFY_OK(layout.toSample(goodRecord(), features, label));
        QCOMPARE(label, 7);
        QCOMPARE(features.size(), std::size_t(785));
        QCOMPARE(features[0], 42.0f);
        QCOMPARE(features[1], 0.0f);
        QCOMPARE(features[256], 1.0f); // pixel 255
        QCOMPARE(features[2], 1.0f / 255.0f);
        millrace::Result<QString> id = layout.idOf(goodRecord());
        VERIFY_OK(id);
        QCOMPARE(*id, u"m-1"_s);
    }

    void scalingMatchesTheIdxLoader()
    {
        // core/ml/idx.cpp scales a pixel as value / 255.0f; batches must hold the same floats,
        // or a model would see drained samples slightly differently from its training set.
        RecordLayout layout;
        layout.sampleShape = {256};
        std::vector<float> features;
        std::int64_t label = 0;
        VERIFY_OK(layout.toSample(QJsonObject{{u"label"_s, 0}, {u"image"_s, pixels(256)}}, features,
                                  label));
        for (int value = 0; value < 256; ++value)
            QCOMPARE(features[std::size_t(value)], static_cast<float>(value) / 255.0f);
    }

    void badRecordsSayWhy_data()
    {
        QTest::addColumn<QJsonObject>("record");
        QTest::addColumn<QString>("reason");

        QJsonObject record = goodRecord();
        record.remove(u"label"_s);
        QTest::newRow("missing label") << record << u"missing label"_s;
        record = goodRecord();
        record[u"label"_s] = QJsonValue::Null;
        QTest::newRow("null label") << record << u"missing label"_s;
        record = goodRecord();
        record[u"label"_s] = 12;
        QTest::newRow("label too large") << record << u"label 12 outside [0, 10)"_s;
        record[u"label"_s] = -1;
        QTest::newRow("negative label") << record << u"label -1 outside [0, 10)"_s;
        record[u"label"_s] = 2.5;
        QTest::newRow("fractional label") << record << u"label 2.5 is not a whole number"_s;
        record[u"label"_s] = u"3"_s;
        QTest::newRow("label as text") << record << u"label '3' is not a number"_s;
        record = goodRecord();
        record.remove(u"image"_s);
        QTest::newRow("missing image") << record << u"missing image"_s;
        record[u"image"_s] = u"pixels"_s;
        QTest::newRow("image not an array")
            << record << u"image is 'pixels', not an array of numbers"_s;
        record[u"image"_s] = pixels(783);
        QTest::newRow("short image") << record << u"image has 783 values, expected 784"_s;
        record[u"image"_s] = pixels(785);
        QTest::newRow("long image") << record << u"image has 785 values, expected 784"_s;
        QJsonArray image = pixels(784);
        image[17] = u"x"_s;
        record[u"image"_s] = image;
        QTest::newRow("text pixel") << record << u"image value 'x' at 17 is not a number"_s;
        image = pixels(784);
        image[0] = QJsonValue::Null;
        record[u"image"_s] = image;
        QTest::newRow("null pixel") << record << u"image value null at 0 is not a number"_s;
        image = pixels(784);
        image[783] = QJsonArray{1, 2};
        record[u"image"_s] = image;
        QTest::newRow("nested pixel") << record << u"image value an array at 783 is not a number"_s;
        image = pixels(784);
        image[5] = 1e300;
        record[u"image"_s] = image;
        QTest::newRow("pixel beyond float")
            << record << u"image value 1e+300 at 5 is out of range"_s;
    }

    void badRecordsSayWhy()
    {
        QFETCH(QJsonObject, record);
        QFETCH(QString, reason);

        const RecordLayout layout = RecordLayout::fashionMnist();
        std::vector<float> features{1.0f, 2.0f};
        std::int64_t label = 99;
        const millrace::Result<void> sample = layout.toSample(record, features, label);
        QVERIFY(!sample);
        QCOMPARE(sample.errorMessage(), reason);
        // A refused record leaves the batch's buffer and the label as they were.
        QCOMPARE(features, (std::vector<float>{1.0f, 2.0f}));
        QCOMPARE(label, 99);
    }

    void idsAreTextOrIntegers_data()
    {
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("error");

        QTest::newRow("text") << QJsonValue(u"abc-1"_s) << u"abc-1"_s << QString();
        QTest::newRow("integer") << QJsonValue(123456789) << u"123456789"_s << QString();
        QTest::newRow("64-bit integer")
            << QJsonValue(qint64(9007199254740993)) << u"9007199254740993"_s << QString();
        QTest::newRow("missing") << QJsonValue(QJsonValue::Undefined) << QString() << QString();
        QTest::newRow("null") << QJsonValue(QJsonValue::Null) << QString() << QString();
        QTest::newRow("fraction") << QJsonValue(1.5) << QString()
                                  << u"id 1.5 is not a text or an integer"_s;
        QTest::newRow("object") << QJsonValue(QJsonObject{}) << QString()
                                << u"id an object is not a text or an integer"_s;
        QTest::newRow("line break")
            << QJsonValue(u"a\nb"_s) << QString() << u"id 'a\nb' holds a line break"_s;
    }

    void idsAreTextOrIntegers()
    {
        QFETCH(QJsonValue, value);
        QFETCH(QString, id);
        QFETCH(QString, error);

        QJsonObject record = goodRecord();
        record.remove(u"id"_s);
        if (!value.isUndefined())
            record.insert(u"id"_s, value);
        const millrace::Result<QString> read = RecordLayout::fashionMnist().idOf(record);
        if (error.isEmpty()) {
            VERIFY_OK(read);
            QCOMPARE(*read, id);
        } else {
            QVERIFY(!read);
            QCOMPARE(read.errorMessage(), error);
        }
    }

    void aLayoutWithoutIdsReadsNone()
    {
        RecordLayout layout;
        layout.idField.clear();
        millrace::Result<QString> id = layout.idOf(goodRecord());
        VERIFY_OK(id);
        QVERIFY(id->isEmpty());
    }

    void regressionReadsTargets()
    {
        RecordLayout layout;
        layout.task = millrace::ml::TaskKind::Regression;
        layout.classCount = 0;
        layout.labelField = u"price"_s;
        layout.featuresField = u"x"_s;
        layout.sampleShape = {3};
        layout.scale = 2.0;
        VERIFY_OK(layout.validate());
        std::vector<float> features;
        float target = 0;
        VERIFY_OK(layout.toSample(QJsonObject{{u"price"_s, 12.5}, {u"x"_s, QJsonArray{1, 2.5, -3}}},
                                  features, target));
        QCOMPARE(target, 12.5f);
        QCOMPARE(features, (std::vector<float>{2.0f, 5.0f, -6.0f}));
        std::int64_t label = 0;
        QVERIFY(!layout.toSample(QJsonObject{}, features, label)); // wrong kind of label
    }

    void jsonRoundTrip()
    {
        const RecordLayout fashion = RecordLayout::fashionMnist();
        const QJsonObject json = fashion.toJson();
        QCOMPARE(json.value(u"featuresField"_s).toString(), u"image"_s);
        QCOMPARE(json.value(u"task"_s).toString(), u"classification"_s);
        QCOMPARE(json.value(u"sampleShape"_s).toArray(), (QJsonArray{28, 28}));
        // Through text, as it goes into a manifest or a DAG file.
        const QJsonObject reread = QJsonDocument::fromJson(QJsonDocument(json).toJson()).object();
        millrace::Result<RecordLayout> back = RecordLayout::fromJson(reread);
        VERIFY_OK(back);
        QVERIFY(*back == fashion);
        QCOMPARE(back->scale, 1.0 / 255.0);

        RecordLayout regression;
        regression.task = millrace::ml::TaskKind::Regression;
        regression.classCount = 0;
        regression.idField.clear();
        regression.sampleShape = {12};
        regression.scale = 1.0;
        millrace::Result<RecordLayout> regressionBack = RecordLayout::fromJson(regression.toJson());
        VERIFY_OK(regressionBack);
        QVERIFY(*regressionBack == regression);

        // Keys left out keep their defaults, so a task's parameters can name only what differs.
        millrace::Result<RecordLayout> partial =
            RecordLayout::fromJson(QJsonObject{{u"labelField"_s, u"class"_s}});
        VERIFY_OK(partial);
        QCOMPARE(partial->labelField, u"class"_s);
        QCOMPARE(partial->featureCount(), std::size_t(784));
    }

    void badLayoutsAreRefused_data()
    {
        QTest::addColumn<QJsonObject>("json");
        QTest::addColumn<QString>("reason");

        QTest::newRow("shape of text")
            << QJsonObject{{u"sampleShape"_s, u"28x28"_s}}
            << u"record layout: 'sampleShape' must be an array of positive integers"_s;
        QTest::newRow("zero dimension")
            << QJsonObject{{u"sampleShape"_s, QJsonArray{28, 0}}}
            << u"record layout: 'sampleShape' must be an array of positive integers"_s;
        QTest::newRow("empty shape") << QJsonObject{{u"sampleShape"_s, QJsonArray{}}}
                                     << u"record layout: the sample shape is empty"_s;
        QTest::newRow("one class")
            << QJsonObject{{u"classCount"_s, 1}}
            << u"record layout: classification needs at least 2 classes, not 1"_s;
        QTest::newRow("names for other count")
            << QJsonObject{{u"classNames"_s, QJsonArray{u"a"_s, u"b"_s}}}
            << u"record layout: 2 class names for 10 classes"_s;
        QTest::newRow("unknown task") << QJsonObject{{u"task"_s, u"ranking"_s}}
                                      << u"record layout: 'task' must be \"classification\" or "
                                         "\"regression\""_s;
        QTest::newRow("zero scale") << QJsonObject{{u"scale"_s, 0}}
                                    << u"record layout: scale 0 is not a finite, non-zero number"_s;
        QTest::newRow("same fields")
            << QJsonObject{{u"labelField"_s, u"image"_s}}
            << u"record layout: the features, label and id fields must differ"_s;
        QTest::newRow("field of a number") << QJsonObject{{u"featuresField"_s, 3}}
                                           << u"record layout: 'featuresField' must be a text"_s;
    }

    void badLayoutsAreRefused()
    {
        QFETCH(QJsonObject, json);
        QFETCH(QString, reason);
        const millrace::Result<RecordLayout> layout = RecordLayout::fromJson(json);
        QVERIFY(!layout);
        QCOMPARE(layout.errorMessage(), reason);
    }
};

QTEST_GUILESS_MAIN(TestRecordLayout)
#include "tst_recordlayout.moc"
