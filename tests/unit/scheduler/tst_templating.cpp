#include "core/scheduler/templating.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// A JSON value from its text; wrapping in an array lets the text be a bare string or number.
QJsonValue json(const QString &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(('[' + text + ']').toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad JSON in a test row: %s", qPrintable(text));
    return document.array().first();
}

QString text(const QJsonValue &value)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

const char *kContext = R"({
    "ds": "2026-03-01",
    "ts": "2026-03-01T00:00:00+00:00",
    "conf": {"batch": 500, "lr": 0.001, "big": 9007199254740993, "ratio": 2.5, "name": "cnn",
             "on": true, "none": null, "layers": [64, 32], "opts": {"a": 1, "b": [true]}},
    "xcom": {"train": {"run_id": "abc123", "metrics": {"acc": 0.91}}},
    "params": {"topic": "fashion-stream"}
})";

} // namespace

class TestTemplating : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void render_data()
    {
        QTest::addColumn<QString>("input");    // JSON
        QTest::addColumn<QString>("expected"); // JSON

        QTest::newRow("no template") << u"\"plain text\""_s << u"\"plain text\""_s;
        QTest::newRow("number untouched") << u"5"_s << u"5"_s;
        QTest::newRow("lone braces are text") << u"\"a { b } {c}\""_s << u"\"a { b } {c}\""_s;
        QTest::newRow("unclosed is text") << u"\"{{ ds\""_s << u"\"{{ ds\""_s;
        QTest::newRow("whole string") << u"\"{{ ds }}\""_s << u"\"2026-03-01\""_s;
        QTest::newRow("no spaces") << u"\"{{ds}}\""_s << u"\"2026-03-01\""_s;
        QTest::newRow("much space") << u"\"{{   conf.name\\t }}\""_s << u"\"cnn\""_s;
        QTest::newRow("whole keeps integer") << u"\"{{ conf.batch }}\""_s << u"500"_s;
        QTest::newRow("whole keeps double") << u"\"{{ conf.lr }}\""_s << u"0.001"_s;
        QTest::newRow("whole keeps bool") << u"\"{{ conf.on }}\""_s << u"true"_s;
        QTest::newRow("whole keeps null") << u"\"{{ conf.none }}\""_s << u"null"_s;
        QTest::newRow("whole keeps array") << u"\"{{ conf.layers }}\""_s << u"[64,32]"_s;
        QTest::newRow("whole keeps object")
            << u"\"{{ conf.opts }}\""_s << u"{\"a\":1,\"b\":[true]}"_s;
        QTest::newRow("array index") << u"\"{{ conf.layers.1 }}\""_s << u"32"_s;
        QTest::newRow("deep") << u"\"{{ xcom.train.metrics.acc }}\""_s << u"0.91"_s;
        QTest::newRow("embedded")
            << u"\"train --topic {{ params.topic }} --run {{xcom.train.run_id}}\""_s
            << u"\"train --topic fashion-stream --run abc123\""_s;
        QTest::newRow("embedded integer has no .0")
            << u"\"--batch {{ conf.batch }}\""_s << u"\"--batch 500\""_s;
        QTest::newRow("embedded big integer exact")
            << u"\"n={{ conf.big }}\""_s << u"\"n=9007199254740993\""_s;
        QTest::newRow("embedded fraction") << u"\"r={{ conf.ratio }}\""_s << u"\"r=2.5\""_s;
        QTest::newRow("embedded small fraction") << u"\"lr={{ conf.lr }}\""_s << u"\"lr=0.001\""_s;
        QTest::newRow("embedded bool") << u"\"on={{ conf.on }}\""_s << u"\"on=true\""_s;
        QTest::newRow("embedded null") << u"\"x={{ conf.none }}\""_s << u"\"x=null\""_s;
        QTest::newRow("embedded array compact")
            << u"\"--layers '{{ conf.layers }}'\""_s << u"\"--layers '[64,32]'\""_s;
        QTest::newRow("embedded object compact")
            << u"\"{{ conf.opts }}!\""_s << u"\"{\\\"a\\\":1,\\\"b\\\":[true]}!\""_s;
        QTest::newRow("two adjacent") << u"\"{{ds}}{{conf.batch}}\""_s << u"\"2026-03-01500\""_s;
        QTest::newRow("space around whole is embedded")
            << u"\" {{ conf.batch }}\""_s << u"\" 500\""_s;
        QTest::newRow("default unused") << u"\"{{ conf.batch | default(7) }}\""_s << u"500"_s;
        QTest::newRow("default number") << u"\"{{ conf.epochs | default(7) }}\""_s << u"7"_s;
        QTest::newRow("default no spaces") << u"\"{{conf.epochs|default(7)}}\""_s << u"7"_s;
        QTest::newRow("default string")
            << u"\"{{ conf.mode | default(\\\"fast\\\") }}\""_s << u"\"fast\""_s;
        QTest::newRow("default string with parens and braces")
            << u"\"{{ conf.mode | default(\\\"a)}}b\\\") }}\""_s << u"\"a)}}b\""_s;
        QTest::newRow("default object")
            << u"\"{{ conf.x | default({\\\"k\\\": {\\\"n\\\": 1}}) }}\""_s
            << u"{\"k\":{\"n\":1}}"_s;
        QTest::newRow("default null") << u"\"{{ conf.x | default(null) }}\""_s << u"null"_s;
        QTest::newRow("default does not replace null")
            << u"\"{{ conf.none | default(1) }}\""_s << u"null"_s;
        QTest::newRow("default embedded string")
            << u"\"mode={{ conf.mode | default(\\\"fast\\\") }}\""_s << u"\"mode=fast\""_s;
        QTest::newRow("default on missing index")
            << u"\"{{ conf.layers.5 | default(0) }}\""_s << u"0"_s;
        QTest::newRow("object recursive")
            << u"{\"cmd\": \"run {{ds}}\", \"n\": \"{{ conf.batch }}\", \"keep\": 3, "
               "\"list\": [\"{{ params.topic }}\", {\"deep\": \"{{ conf.on }}\"}]}"_s
            << u"{\"cmd\": \"run 2026-03-01\", \"n\": 500, \"keep\": 3, "
               "\"list\": [\"fashion-stream\", {\"deep\": true}]}"_s;
        QTest::newRow("keys not rendered") << u"{\"{{ ds }}\": 1}"_s << u"{\"{{ ds }}\": 1}"_s;
        QTest::newRow("values are not rendered twice")
            << u"\"{{ conf.x | default(\\\"{{ ds }}\\\") }}\""_s << u"\"{{ ds }}\""_s;
    }

    void render()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const QJsonObject context = QJsonDocument::fromJson(kContext).object();
        QVERIFY(!context.isEmpty());
        const Result<QJsonValue> rendered = renderTemplates(json(input), context);
        QVERIFY2(rendered.hasValue(), qPrintable(rendered.errorMessage()));
        QCOMPARE(text(*rendered), text(json(expected)));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QStringList>("phrases"); // each must be in the message

        QTest::newRow("missing top")
            << u"\"{{ dss }}\""_s
            << QStringList{u"\"dss\" is not defined"_s, u"in \"{{ dss }}\""_s};
        QTest::newRow("missing nested")
            << u"\"--epochs {{ conf.epochs }}\""_s
            << QStringList{u"\"conf.epochs\" is not defined"_s, u"conf has no \"epochs\""_s,
                           u"in \"--epochs {{ conf.epochs }}\""_s};
        QTest::newRow("missing deep") << u"\"{{ xcom.evaluate.run_id }}\""_s
                                      << QStringList{u"\"xcom.evaluate.run_id\" is not defined"_s,
                                                     u"xcom has no \"evaluate\""_s};
        QTest::newRow("index out of range") << u"\"{{ conf.layers.2 }}\""_s
                                            << QStringList{u"\"conf.layers.2\" is not defined"_s,
                                                           u"conf.layers has no element 2"_s};
        QTest::newRow("path into scalar")
            << u"\"{{ conf.batch.size }}\""_s << QStringList{u"conf.batch has no \"size\""_s};
        QTest::newRow("where in object")
            << u"{\"env\": {\"A\": \"ok\", \"B\": [\"x\", \"{{ nope }}\"]}}"_s
            << QStringList{u"\"nope\" is not defined"_s, u"(at env.B[1])"_s};
        QTest::newRow("expression")
            << u"\"{{ conf.batch * 2 }}\""_s << QStringList{u"only variable lookups"_s};
        QTest::newRow("empty") << u"\"{{ }}\""_s << QStringList{u"only variable lookups"_s};
        QTest::newRow("other filter")
            << u"\"{{ ds | upper }}\""_s << QStringList{u"the only filter is default"_s};
        QTest::newRow("bad default literal")
            << u"\"{{ x | default(fast) }}\""_s
            << QStringList{u"default(fast) needs one JSON value"_s};
        QTest::newRow("default with two values")
            << u"\"{{ x | default(1, 2) }}\""_s << QStringList{u"needs one JSON value"_s};
    }

    void errors()
    {
        QFETCH(QString, input);
        QFETCH(QStringList, phrases);
        const QJsonObject context = QJsonDocument::fromJson(kContext).object();
        const Result<QJsonValue> rendered = renderTemplates(json(input), context);
        QVERIFY2(!rendered.hasValue(),
                 qPrintable(text(rendered.hasValue() ? *rendered : QJsonValue())));
        for (const QString &phrase : phrases)
            QVERIFY2(rendered.errorMessage().contains(phrase), qPrintable(rendered.errorMessage()));
    }

    void hasTemplate_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("expected");
        QTest::newRow("plain") << u"hello"_s << false;
        QTest::newRow("braces") << u"{a} {b}"_s << false;
        QTest::newRow("unclosed") << u"{{ ds"_s << false;
        QTest::newRow("whole") << u"{{ ds }}"_s << true;
        QTest::newRow("embedded") << u"x {{ds}} y"_s << true;
    }

    void hasTemplate()
    {
        QFETCH(QString, text);
        QFETCH(bool, expected);
        QCOMPARE(scheduler::hasTemplate(text), expected);
    }
};

QTEST_GUILESS_MAIN(TestTemplating)
#include "tst_templating.moc"
