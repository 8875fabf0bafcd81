#pragma once

#include <QWidget>

namespace millrace::ui {

/// One line that says what the colours of the Jobs panel mean: a square and the name of every
/// task state, drawn as the grid, graph and Gantt views draw them.
class StateLegend : public QWidget
{
    Q_OBJECT
public:
    explicit StateLegend(QWidget *parent = nullptr);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
};

} // namespace millrace::ui
