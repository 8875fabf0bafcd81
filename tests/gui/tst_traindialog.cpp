// The Train dialog through its real widgets, offscreen, on a real workspace with the built-in
// model plugins and the session's TrainingService: a run trained from the toolbar shows its
// progress and live charts and lands in the Experiments panel; Cancel ends a run KILLED; a form
// that cannot start says why. Saves the dialog's screenshot for README.

#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "guitestsupport.h"
#include "ui/dialogs/traindialog.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/compare/compareview.h"
#include "ui/panels/experiments/compare/parallelcoordinates.h"
#include "ui/panels/experiments/compare/parallelpage.h"

#include <QAction>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

using namespace millrace;
using namespace millrace::testing;
using namespace Qt::StringLiterals;

class TestTrainDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_settings;
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<ui::MainWindow> m_window;

    ui::TrainDialog *openDialog()
    {
        auto *action = m_window->findChild<QAction *>(u"trainAction"_s);
        if (!action || !action->isEnabled())
            return nullptr;
        action->trigger();
        return m_window->findChild<ui::TrainDialog *>();
    }

    // Fills the form for a quick Fashion-MNIST run.
    void fillQuickRun(ui::TrainDialog &dialog, const QString &runName, int images, int epochs)
    {
        child<QComboBox>(dialog, "dataKind")->setCurrentIndex(0);
        child<QSpinBox>(dialog, "trainLimit")->setValue(images);
        child<QSpinBox>(dialog, "hyperparameter_base_width")->setValue(4);
        child<QSpinBox>(dialog, "hyperparameter_hidden_units")->setValue(32);
        child<QSpinBox>(dialog, "epochs")->setValue(epochs);
        child<QLineEdit>(dialog, "experiment")->setText(u"dialog"_s);
        child<QLineEdit>(dialog, "runName")->setText(runName);
    }

    tracking::Run runNamed(const QString &name)
    {
        auto experiment = m_session->tracking().experimentByName(u"dialog"_s);
        if (!experiment)
            return {};
        auto runs = m_session->tracking().searchRuns({experiment->id},
                                                     u"attributes.run_name = '%1'"_s.arg(name),
                                                     tracking::ViewType::All, 10, {}, QString());
        return runs && runs->items.size() == 1 ? runs->items.first() : tracking::Run{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        useTestSettings(m_settings, u"tst_traindialog"_s);
        SessionOptions options;
        options.trackingServer = false;
        options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
        auto session = Session::open(m_dir.filePath(u"workspace"_s), options);
        VERIFY_OK(session);
        m_session = std::move(*session);
        m_session->startServices();
        m_window = std::make_unique<ui::MainWindow>();
        showExperiments(*m_window, *m_session);
    }

    void cleanupTestCase()
    {
        m_window->detachSession();
        m_window.reset();
        m_session.reset();
    }

    void aRunTrainedFromTheDialog()
    {
        ui::TrainDialog *dialog = openDialog();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto *architecture = child<QComboBox>(*dialog, "architecture");
        QCOMPARE(architecture->count(), 2);
        QCOMPARE(architecture->currentData().toString(), u"image-cnn"_s);
        fillQuickRun(*dialog, u"dialog-run"_s, 2000, 4);

        QTest::mouseClick(child<QPushButton>(*dialog, "trainButton"), Qt::LeftButton);
        QVERIFY(dialog->isTraining());
        QVERIFY(!child<QPushButton>(*dialog, "trainButton")->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isTraining(), 120000);

        auto *status = child<QLabel>(*dialog, "trainingStatus");
        QVERIFY2(status->text().startsWith(u"Finished"_s), qPrintable(status->text()));
        auto *progress = child<QProgressBar>(*dialog, "trainingProgress");
        QCOMPARE(progress->value(), progress->maximum());
        for (const char *name : {"lossChart", "accuracyChart"}) {
            const auto series = child<QChartView>(*dialog, name)->chart()->series();
            QCOMPARE(series.size(), 2);
            for (QAbstractSeries *line : series)
                QCOMPARE(static_cast<QLineSeries *>(line)->count(), 4); // one point per epoch
        }
        const tracking::Run run = runNamed(u"dialog-run"_s);
        QVERIFY(run.info.status == tracking::RunStatus::Finished);
        QCOMPARE(run.params.value(u"base_width"_s), u"4"_s);

        // The Experiments panel picks the new experiment and run up by itself.
        auto *experiments = child<QTreeView>(*m_window, "experimentList");
        QVERIFY(experiments);
        QTRY_VERIFY_WITH_TIMEOUT(experiments->model()->rowCount() >= 2, 5000);

        const QString shots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            QVERIFY(QDir().mkpath(shots));
            dialog->resize(1100, 720);
            QVERIFY(dialog->grab().save(QDir(shots).filePath(u"train-dialog.png"_s)));
        }
    }

    void cancelEndsTheRunKilled()
    {
        ui::TrainDialog *dialog = openDialog();
        QVERIFY(dialog);
        fillQuickRun(*dialog, u"stopped-run"_s, 6000, 50);
        QTest::mouseClick(child<QPushButton>(*dialog, "trainButton"), Qt::LeftButton);
        auto *progress = child<QProgressBar>(*dialog, "trainingProgress");
        QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 60000);
        QTest::mouseClick(child<QPushButton>(*dialog, "cancelTrainingButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isTraining(), 60000);
        auto *status = child<QLabel>(*dialog, "trainingStatus");
        QVERIFY2(status->text().startsWith(u"Stopped"_s), qPrintable(status->text()));
        QVERIFY(runNamed(u"stopped-run"_s).info.status == tracking::RunStatus::Killed);
        QVERIFY(child<QPushButton>(*dialog, "trainButton")->isEnabled());
    }

    // A search of 8 trials from the dialog: 8 nested runs, the best one marked, and the compare
    // view's parallel coordinates draw all of them.
    void aSearchShowsInParallelCoordinates()
    {
        ui::TrainDialog *dialog = openDialog();
        QVERIFY(dialog);
        fillQuickRun(*dialog, u"search"_s, 1000, 1);
        child<QGroupBox>(*dialog, "search")->setChecked(true);
        QCOMPARE(child<QSpinBox>(*dialog, "trials")->value(), 8);
        // The small network stays small: the search varies the learning rate and dropout only.
        auto *vary = child<QListWidget>(*dialog, "searchVary");
        for (int row = 0; row < vary->count(); ++row) {
            const QString name = vary->item(row)->text();
            vary->item(row)->setCheckState(
                name == u"learning_rate"_s || name == u"dropout"_s ? Qt::Checked : Qt::Unchecked);
        }
        QTest::mouseClick(child<QPushButton>(*dialog, "trainButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isTraining(), 300000);
        auto *status = child<QLabel>(*dialog, "trainingStatus");
        QVERIFY2(status->text().contains(u"best trial"_s), qPrintable(status->text()));
        dialog->hide();

        const tracking::Run parent = runNamed(u"search"_s);
        QVERIFY(parent.info.status == tracking::RunStatus::Finished);
        const QString best = parent.tags.value(u"millrace.best_trial_run_id"_s);
        QVERIFY(!best.isEmpty());

        // The panel, filtered to the search's trials as a user would type it.
        auto *experiments = child<QTreeView>(*m_window, "experimentList");
        QTRY_VERIFY_WITH_TIMEOUT(experiments->model()->rowCount() >= 2, 5000);
        QModelIndex dialogExperiment;
        for (int row = 0; row < experiments->model()->rowCount(); ++row) {
            if (experiments->model()->index(row, 0).data().toString() == u"dialog"_s)
                dialogExperiment = experiments->model()->index(row, 0);
        }
        QVERIFY(dialogExperiment.isValid());
        QTest::mouseClick(experiments->viewport(), Qt::LeftButton, {},
                          experiments->visualRect(dialogExperiment).center());
        auto *filter = child<QLineEdit>(*m_window, "runFilter");
        filter->setText(u"tags.`mlflow.parentRunId` = '%1'"_s.arg(parent.info.runId));
        QTest::keyClick(filter, Qt::Key_Return);
        auto *table = child<QAbstractItemView>(*m_window, "runTable");
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 8, 5000);
        table->selectAll();
        auto *compareButton = child<QToolButton>(*m_window, "compareRuns");
        QTRY_VERIFY(compareButton->isEnabled());
        QTest::mouseClick(compareButton, Qt::LeftButton);
        auto *compare = child<ui::CompareView>(*m_window, "compareView");
        QCOMPARE(compare->runs().size(), 8);
        compare->setCurrentPage(ui::CompareView::ParallelTab);
        ui::ParallelPage *parallel = compare->parallelPage();
        QVERIFY2(parallel->chosenKeys().contains(u"params.learning_rate"_s),
                 qPrintable(parallel->chosenKeys().join(u", "_s)));
        QTRY_COMPARE(parallel->coordinates()->passingRunIds().size(), 8);
        QVERIFY(parallel->coordinates()->passingRunIds().contains(best));
    }

    void aFormThatCannotStartSaysWhy()
    {
        ui::TrainDialog *dialog = openDialog();
        QVERIFY(dialog);
        child<QComboBox>(*dialog, "dataKind")->setCurrentIndex(1);
        child<QLineEdit>(*dialog, "csvPath")->clear();
        QTest::mouseClick(child<QPushButton>(*dialog, "trainButton"), Qt::LeftButton);
        QVERIFY(!dialog->isTraining());
        QVERIFY2(child<QLabel>(*dialog, "trainingStatus")->text().contains(u"CSV file"_s),
                 qPrintable(child<QLabel>(*dialog, "trainingStatus")->text()));
        child<QComboBox>(*dialog, "dataKind")->setCurrentIndex(0);
        child<QLineEdit>(*dialog, "experiment")->clear();
        QTest::mouseClick(child<QPushButton>(*dialog, "trainButton"), Qt::LeftButton);
        QVERIFY(!dialog->isTraining());
        QVERIFY(child<QLabel>(*dialog, "trainingStatus")->text().contains(u"experiment"_s));
    }
};

QTEST_MAIN(TestTrainDialog)
#include "tst_traindialog.moc"
