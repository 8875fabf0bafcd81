#pragma once

#include <QTableView>

namespace millrace::ui {

class GridModel;
class RunBarHeader;

/// The Jobs panel's grid: a GridModel drawn as small squares coloured by task state, a bar per
/// run over the columns and the task ids down the side. Clicking a square chooses that task
/// instance; clicking a bar chooses the run. New runs come in on the right and the view keeps
/// them in sight.
class GridView : public QTableView
{
    Q_OBJECT
public:
    explicit GridView(QWidget *parent = nullptr);

    /// Shows `model`, which must outlive the view.
    void setGridModel(GridModel *model);
    GridModel *gridModel() const { return m_model; }

    /// Makes the cell of `taskId` in run `runRow` current (or, with an empty `taskId`, tints
    /// only the run's column) without emitting the click signals.
    void showInstance(qint64 runRow, const QString &taskId);

    /// The rectangle (in viewport coordinates) of the square of `taskId` in run `runRow`, or an
    /// empty one; for tests that click where a user would.
    QRect squareRect(qint64 runRow, const QString &taskId) const;

Q_SIGNALS:
    /// A square was clicked.
    void instanceClicked(qint64 runRow, const QString &taskId);
    /// A run's bar was clicked.
    void runClicked(qint64 runRow);

private:
    void keepNewestInSight();

    GridModel *m_model = nullptr;
    RunBarHeader *m_header;
    qint64 m_runRow = 0;
    bool m_followNewest = true; ///< scrolled all the way right: new runs stay in sight
};

} // namespace millrace::ui
