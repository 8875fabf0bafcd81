#include "core/store/appstate.h"
#include "core/store/store.h"

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>

#include <memory>
#include <optional>

using namespace millrace;
using namespace Qt::StringLiterals;

class TestAppState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void unsetKeyHasNoValue();
    void valueRoundTrips_data();
    void valueRoundTrips();
    void settingAgainReplacesAndSurvivesReopening();

private:
    // The stored value, or "<unset>" when the key has none.
    QString get(const QString &key)
    {
        const Result<std::optional<QString>> value =
            m_store->read([key](SQLite::Database &db) { return appstate::get(db, key); });
        if (!value)
            return u"<error: %1>"_s.arg(value.errorMessage());
        return value->value_or(u"<unset>"_s);
    }
    bool set(const QString &key, const QString &value)
    {
        const Result<void> written =
            m_store->write([key, value](SQLite::Database &db) { appstate::set(db, key, value); })
                .result();
        if (!written)
            qWarning().noquote() << written.errorMessage();
        return bool(written);
    }

    QTemporaryDir m_dir;
    int m_databases = 0;
    std::unique_ptr<Store> m_store;
};

void TestAppState::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
}

void TestAppState::init()
{
    // A fresh workspace database for every test function and data row.
    Result<std::unique_ptr<Store>> store =
        Store::openMillrace(m_dir.filePath(u"state-%1.db"_s.arg(++m_databases)));
    QVERIFY2(store, qPrintable(store.errorMessage()));
    m_store = std::move(store).value();
}

void TestAppState::cleanup()
{
    m_store.reset();
}

void TestAppState::unsetKeyHasNoValue()
{
    QCOMPARE(get(u"scheduler.state"_s), u"<unset>"_s);
    QVERIFY(set(u"scheduler.state"_s, u"paused"_s));
    QCOMPARE(get(u"Scheduler.State"_s), u"<unset>"_s); // keys are exact
    QCOMPARE(get(u"scheduler"_s), u"<unset>"_s);
}

void TestAppState::valueRoundTrips_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");

    QTest::newRow("plain") << u"scheduler.state"_s << u"paused"_s;
    QTest::newRow("empty value") << u"workspace.note"_s << QString();
    QTest::newRow("unicode") << u"名前"_s << u"Größe ✓ 模型"_s;
    QTest::newRow("quotes and SQL") << u"it's"_s << u"O'Brien'); DROP TABLE app_state; --"_s;
    QTest::newRow("multi-line") << u"workspace.motd"_s << u"line one\nline two\n"_s;
}

void TestAppState::valueRoundTrips()
{
    QFETCH(QString, key);
    QFETCH(QString, value);

    QVERIFY(set(key, value));
    QCOMPARE(get(key), value);
}

void TestAppState::settingAgainReplacesAndSurvivesReopening()
{
    QVERIFY(set(u"scheduler.state"_s, u"paused"_s));
    QVERIFY(set(u"workspace.id"_s, u"5f0c"_s));
    QVERIFY(set(u"scheduler.state"_s, u"running"_s));
    QCOMPARE(get(u"scheduler.state"_s), u"running"_s);

    const QString path = m_store->path();
    m_store.reset();
    Result<std::unique_ptr<Store>> reopened = Store::openMillrace(path);
    QVERIFY2(reopened, qPrintable(reopened.errorMessage()));
    m_store = std::move(reopened).value();
    QCOMPARE(get(u"scheduler.state"_s), u"running"_s);
    QCOMPARE(get(u"workspace.id"_s), u"5f0c"_s);
    QCOMPARE(m_store
                 ->read([](SQLite::Database &db) {
                     return db.execAndGet("SELECT count(*) FROM app_state").getInt();
                 })
                 .value(),
             2);
}

QTEST_GUILESS_MAIN(TestAppState)

#include "tst_appstate.moc"
