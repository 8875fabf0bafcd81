// The run detail pane's artifact tree: nested folders from a flat listing, folders first and
// names in natural order, folder sizes, lookups by path, and reloads that leave an equal listing
// alone (so the view keeps its selection).

#include "ui/panels/experiments/artifacttreemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

ArtifactListing listing(const QList<ArtifactEntry> &entries)
{
    ArtifactListing result;
    result.directory = u"/tmp/artifacts"_s;
    result.exists = true;
    result.entries = entries;
    return result;
}

/// The names under `parent`, in row order.
QStringList names(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QStringList result;
    for (int row = 0; row < model.rowCount(parent); ++row)
        result.append(model.index(row, ArtifactTreeModel::NameColumn, parent).data().toString());
    return result;
}

} // namespace

class TestArtifactTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nestsFoldersFirstInNaturalOrder();
    void findsEntriesByPath();
    void fileWithoutItsFolderEntryStillNests();
    void equalListingChangesNothing();
};

void TestArtifactTreeModel::nestsFoldersFirstInNaturalOrder()
{
    ArtifactTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setListing(listing({
        {u"epoch-10.png"_s, 300, false},
        {u"epoch-2.png"_s, 200, false},
        {u"model"_s, 0, true},
        {u"model/MLmodel"_s, 50, false},
        {u"model/data"_s, 0, true},
        {u"model/data/weights.pt"_s, 4000, false},
        {u"Notes.txt"_s, 10, false},
    }));
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.headerData(ArtifactTreeModel::SizeColumn, Qt::Horizontal).toString(), u"Size"_s);
    QCOMPARE(names(model),
             (QStringList{u"model"_s, u"epoch-2.png"_s, u"epoch-10.png"_s, u"Notes.txt"_s}));
    const QModelIndex modelFolder = model.index(0, 0);
    QVERIFY(modelFolder.data(ArtifactTreeModel::IsDirRole).toBool());
    QCOMPARE(names(model, modelFolder), (QStringList{u"data"_s, u"MLmodel"_s}));
    const QModelIndex data = model.index(0, 0, modelFolder);
    QCOMPARE(names(model, data), QStringList{u"weights.pt"_s});
    QCOMPARE(model.index(0, 0, data).data(ArtifactTreeModel::PathRole).toString(),
             u"model/data/weights.pt"_s);
    QCOMPARE(model.parent(model.index(0, 0, data)), data);
    QCOMPARE(model.parent(data), modelFolder);
    QCOMPARE(model.fileCount(), 5);
    // Files have no children; the size column shows a readable size.
    QCOMPARE(model.rowCount(model.index(1, 0)), 0);
    QCOMPARE(model.index(1, ArtifactTreeModel::SizeColumn)
                 .data(ArtifactTreeModel::SizeRole)
                 .toLongLong(),
             200);
    QVERIFY(model.index(1, ArtifactTreeModel::SizeColumn).data().toString().contains(u"200"_s));
}

void TestArtifactTreeModel::findsEntriesByPath()
{
    ArtifactTreeModel model;
    model.setListing(
        listing({{u"a"_s, 0, true}, {u"a/b.txt"_s, 1, false}, {u"c.txt"_s, 2, false}}));
    const QModelIndex found = model.indexOfPath(u"a/b.txt"_s);
    QVERIFY(found.isValid());
    QCOMPARE(found.data().toString(), u"b.txt"_s);
    QCOMPARE(model.indexOfPath(u"a"_s), model.index(0, 0));
    QVERIFY(!model.indexOfPath(u"a/missing.txt"_s).isValid());
    QVERIFY(!model.indexOfPath(QString()).isValid());
}

void TestArtifactTreeModel::fileWithoutItsFolderEntryStillNests()
{
    // A listing cut off at its cap may hold a file whose folder entry was not listed.
    ArtifactTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setListing(listing({{u"plots/loss/curve.png"_s, 7, false}}));
    QCOMPARE(names(model), QStringList{u"plots"_s});
    const QModelIndex loss = model.indexOfPath(u"plots/loss"_s);
    QVERIFY(loss.isValid());
    QVERIFY(loss.data(ArtifactTreeModel::IsDirRole).toBool());
    QCOMPARE(names(model, loss), QStringList{u"curve.png"_s});
    QCOMPARE(model.fileCount(), 1);
}

void TestArtifactTreeModel::equalListingChangesNothing()
{
    ArtifactTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const ArtifactListing first = listing({{u"a.txt"_s, 1, false}});
    model.setListing(first);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setListing(first);
    QCOMPARE(resets.count(), 0);
    ArtifactListing grown = first;
    grown.entries.append({u"b.txt"_s, 2, false});
    model.setListing(grown);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(names(model), (QStringList{u"a.txt"_s, u"b.txt"_s}));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.fileCount(), 0);
}

QTEST_GUILESS_MAIN(TestArtifactTreeModel)
#include "tst_artifacttreemodel.moc"
