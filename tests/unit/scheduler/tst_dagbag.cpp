#include "core/scheduler/dagbag.h"
#include "core/scheduler/operatorcatalog.h"

#include "testoperators.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

QByteArray dagFile(const QByteArray &dagId, const QByteArray &operatorId = "noop")
{
    return "dag_id: " + dagId + "\ntasks:\n  - id: a\n    operator: " + operatorId + "\n";
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

QStringList dagIds(const DagBag &bag)
{
    QStringList ids;
    for (const auto &[id, dag] : bag.dags())
        ids.append(id);
    return ids;
}

} // namespace

class TestDagBag : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    testing::TestOperators *m_operators = nullptr;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // Writes a file and moves its modification time, so a rewrite within the same millisecond
    // still counts as a change.
    void write(const QString &name, const QByteArray &contents, int secondsAgo = 0)
    {
        QFile file(path(name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(contents);
        file.close();
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addSecs(-secondsAgo),
                                 QFileDevice::FileModificationTime));
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        for (const QString &name : QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden))
            QVERIFY(QFile::remove(path(name)));
        QDir(m_dir.path()).removeRecursively();
        QVERIFY(QDir().mkpath(m_dir.path()));
        m_operators = new testing::TestOperators;
    }

    void cleanup()
    {
        delete m_operators;
        m_operators = nullptr;
    }

    void emptyAndMissingFolders()
    {
        DagBag bag(m_dir.path(), m_operators->catalog);
        DagBag::Changes changes = bag.reload();
        QVERIFY(changes.addedOrChanged.isEmpty());
        QVERIFY(changes.removed.isEmpty());
        QVERIFY(!changes.errorsChanged);
        QVERIFY(bag.dags().empty());
        QCOMPARE(bag.folder(), m_dir.path());

        DagBag missing(m_dir.filePath(u"nope"_s), m_operators->catalog);
        QVERIFY(missing.reload().addedOrChanged.isEmpty());
        QVERIFY(missing.dags().empty());
    }

    void addChangeRemove()
    {
        write(u"first.yaml"_s, dagFile("first"), 10);
        write(u"second.json"_s,
              R"({"tasks": [{"id": "a", "operator": "noop"}], "description": "from JSON"})", 10);
        write(u"third.yml"_s, dagFile("third"), 10);
        // Not DAG files: another suffix, a hidden file, a subfolder's file.
        write(u"notes.txt"_s, dagFile("notes"));
        write(u".hidden.yaml"_s, dagFile("hidden"));
        QVERIFY(QDir(m_dir.path()).mkdir(u"sub"_s));
        write(u"sub/nested.yaml"_s, dagFile("nested"));

        DagBag bag(m_dir.path(), m_operators->catalog);
        DagBag::Changes changes = bag.reload();
        QCOMPARE(sorted(changes.addedOrChanged),
                 (QStringList{u"first"_s, u"second"_s, u"third"_s}));
        QVERIFY(changes.removed.isEmpty());
        QVERIFY(!changes.errorsChanged);
        QCOMPARE(dagIds(bag), (QStringList{u"first"_s, u"second"_s, u"third"_s}));
        QVERIFY(bag.errors().empty());
        QVERIFY(bag.dag(u"second"_s));
        QCOMPARE(bag.dag(u"second"_s)->description, u"from JSON"_s);
        QCOMPARE(bag.dag(u"first"_s)->file, QFileInfo(path(u"first.yaml"_s)).absoluteFilePath());
        QVERIFY(!bag.dag(u"nested"_s));
        QVERIFY(!bag.dag(u"hidden"_s));

        // Nothing changed: nothing reported, nothing read again (reading checks each task's
        // params against its operator's schema, which the test operators count).
        const int reads = m_operators->schemaReads();
        QVERIFY(reads >= 3);
        changes = bag.reload();
        QVERIFY(changes.addedOrChanged.isEmpty());
        QVERIFY(changes.removed.isEmpty());
        QVERIFY(!changes.errorsChanged);
        QCOMPARE(m_operators->schemaReads(), reads);

        // One file changes: only it is read again, and it is reported as changed.
        write(u"first.yaml"_s, dagFile("first") + "description: now longer\n");
        changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"first"_s});
        QVERIFY(changes.removed.isEmpty());
        QCOMPARE(m_operators->schemaReads(), reads + 1);
        QCOMPARE(bag.dag(u"first"_s)->description, u"now longer"_s);

        // Same size, new time: read again, but the same bytes are no change.
        write(u"third.yml"_s, dagFile("third"));
        changes = bag.reload();
        QVERIFY(changes.addedOrChanged.isEmpty());
        QCOMPARE(m_operators->schemaReads(), reads + 2);

        // A file that changes its dag id: one DAG goes, another comes.
        write(u"third.yml"_s, dagFile("renamed"));
        changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"renamed"_s});
        QCOMPARE(changes.removed, QStringList{u"third"_s});

        // A removed file removes its DAG.
        QVERIFY(QFile::remove(path(u"second.json"_s)));
        changes = bag.reload();
        QVERIFY(changes.addedOrChanged.isEmpty());
        QCOMPARE(changes.removed, QStringList{u"second"_s});
        QCOMPARE(dagIds(bag), (QStringList{u"first"_s, u"renamed"_s}));
        QVERIFY(!bag.dag(u"second"_s));
    }

    void brokenFileKeepsOthersWorking()
    {
        write(u"good.yaml"_s, dagFile("good"), 10);
        write(u"bad.yaml"_s, dagFile("bad", "trian"), 10);
        DagBag bag(m_dir.path(), m_operators->catalog);
        DagBag::Changes changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"good"_s});
        QVERIFY(changes.errorsChanged);
        QCOMPARE(dagIds(bag), QStringList{u"good"_s});
        QCOMPARE(bag.errors().size(), size_t(1));
        const QString badPath = QFileInfo(path(u"bad.yaml"_s)).absoluteFilePath();
        QVERIFY(bag.errors().contains(badPath));
        const QList<DagFileError> &errors = bag.errors().at(badPath);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors[0].file, badPath);
        QCOMPARE(errors[0].line, 4);
        QVERIFY(errors[0].message.contains(u"unknown operator \"trian\""_s));

        // Unchanged: the errors are the same ones.
        QVERIFY(!bag.reload().errorsChanged);

        // A DAG that breaks is removed and its errors appear; fixed, it comes back.
        write(u"good.yaml"_s, "dag_id: good\ntasks: []\n");
        changes = bag.reload();
        QCOMPARE(changes.removed, QStringList{u"good"_s});
        QVERIFY(changes.errorsChanged);
        QCOMPARE(bag.errors().size(), size_t(2));
        write(u"good.yaml"_s, dagFile("good"));
        write(u"bad.yaml"_s, dagFile("bad"));
        changes = bag.reload();
        QCOMPARE(sorted(changes.addedOrChanged), (QStringList{u"bad"_s, u"good"_s}));
        QVERIFY(changes.errorsChanged);
        QVERIFY(bag.errors().empty());

        // A file removed while broken takes its errors with it.
        write(u"bad.yaml"_s, "tasks: [");
        changes = bag.reload();
        QVERIFY(changes.errorsChanged);
        QCOMPARE(changes.removed, QStringList{u"bad"_s});
        QCOMPARE(bag.errors().size(), size_t(1));
        QVERIFY(QFile::remove(path(u"bad.yaml"_s)));
        changes = bag.reload();
        QVERIFY(changes.errorsChanged);
        QVERIFY(changes.removed.isEmpty());
        QVERIFY(bag.errors().empty());
        QCOMPARE(dagIds(bag), QStringList{u"good"_s});
    }

    void duplicateDagIds()
    {
        // b.yaml is written first but a.yaml comes first by name: a keeps the id.
        write(u"b.yaml"_s, dagFile("shared") + "description: from b\n", 10);
        write(u"a.yaml"_s, dagFile("shared") + "description: from a\n", 10);
        DagBag bag(m_dir.path(), m_operators->catalog);
        DagBag::Changes changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"shared"_s});
        QVERIFY(changes.errorsChanged);
        QCOMPARE(bag.dag(u"shared"_s)->description, u"from a"_s);
        const QString bPath = QFileInfo(path(u"b.yaml"_s)).absoluteFilePath();
        QCOMPARE(bag.errors().size(), size_t(1));
        QVERIFY(bag.errors().contains(bPath));
        QCOMPARE(bag.errors().at(bPath).size(), 1);
        const DagFileError &error = bag.errors().at(bPath).first();
        QVERIFY2(error.message.contains(u"dag id \"shared\""_s), qPrintable(error.toString()));
        QVERIFY2(error.message.contains(u"a.yaml"_s), qPrintable(error.toString()));

        // a.yaml goes: b takes the id over without b.yaml being read again.
        const int reads = m_operators->schemaReads();
        QVERIFY(QFile::remove(path(u"a.yaml"_s)));
        changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"shared"_s});
        QVERIFY(changes.removed.isEmpty());
        QVERIFY(changes.errorsChanged);
        QVERIFY(bag.errors().empty());
        QCOMPARE(bag.dag(u"shared"_s)->description, u"from b"_s);
        QCOMPARE(m_operators->schemaReads(), reads);

        // A new earlier file claims the id: b loses it again.
        write(u"0.json"_s, R"({"dag_id": "shared", "tasks": [{"id": "x", "operator": "noop"}]})");
        changes = bag.reload();
        QCOMPARE(changes.addedOrChanged, QStringList{u"shared"_s});
        QCOMPARE(bag.dag(u"shared"_s)->tasks.front().id, u"x"_s);
        QVERIFY(bag.errors().contains(bPath));
        QVERIFY(bag.errors().at(bPath).first().message.contains(u"0.json"_s));
    }
};

QTEST_GUILESS_MAIN(TestDagBag)
#include "tst_dagbag.moc"
