#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

namespace millrace::ui {

/// A model's answer for one sample as a bar per class: the class name, a bar as long as its
/// probability and the probability in percent; the most probable class stands out, and the
/// true class (when known) is marked.
class ProbabilityBars : public QWidget
{
    Q_OBJECT
public:
    explicit ProbabilityBars(QWidget *parent = nullptr);

    /// Shows `probabilities` (one per class, summing to 1) under `names` (may be shorter: the
    /// rest are named by number). `trueClass` is marked, -1 for none.
    void setProbabilities(const QStringList &names, const std::vector<double> &probabilities,
                          int trueClass = -1);
    /// Shows the classes of `names` with empty bars (nothing asked yet).
    void setClasses(const QStringList &names);
    /// The probabilities shown (tests).
    const std::vector<double> &probabilities() const { return m_probabilities; }
    /// The name shown for class `index`.
    QString className(int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int rowHeight() const;
    int nameWidth() const;

    QStringList m_names;
    std::vector<double> m_probabilities;
    int m_trueClass = -1;
};

/// The softmax of `logits`: probabilities summing to 1 (computed stably).
std::vector<double> softmax(const std::vector<double> &logits);

} // namespace millrace::ui
