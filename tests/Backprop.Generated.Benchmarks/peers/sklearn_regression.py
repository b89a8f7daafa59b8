"""scikit-learn on the regression sample's split: LinearRegression and MLPRegressor((32,), relu, adam).

Usage: sklearn_regression.py TRAIN.csv TEST.csv TARGET [SEED]

Both files have a header row; TARGET names the column to predict and every other column is a feature.
Features are standardised with the training rows' mean and standard deviation (StandardScaler), as the
generated network's sample does; MLPRegressor also gets a standardised target (TransformedTargetRegressor).
Prints one line per model: name, R² and RMSE on TEST.
"""
import sys

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(path, target):
    with open(path) as f:
        header = f.readline().strip().split(',')
    data = np.loadtxt(path, delimiter=',', skiprows=1, dtype=np.float64)
    t = header.index(target)
    features = [i for i in range(len(header)) if i != t]
    return data[:, features], data[:, t]


def main():
    train_path, test_path, target = sys.argv[1], sys.argv[2], sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    x_train, y_train = load(train_path, target)
    x_test, y_test = load(test_path, target)
    models = {
        'LinearRegression': make_pipeline(StandardScaler(), LinearRegression()),
        'MLPRegressor((32,), relu, adam)': TransformedTargetRegressor(
            regressor=make_pipeline(
                StandardScaler(),
                MLPRegressor(hidden_layer_sizes=(32,), activation='relu', solver='adam',
                             batch_size=10, learning_rate_init=0.001, max_iter=200, random_state=seed)),
            transformer=StandardScaler()),
    }
    import sklearn
    print(f'scikit-learn {sklearn.__version__}, {len(y_train)} training rows, {len(y_test)} test rows')
    for name, model in models.items():
        model.fit(x_train, y_train)
        predicted = model.predict(x_test)
        r2 = r2_score(y_test, predicted)
        rmse = mean_squared_error(y_test, predicted) ** 0.5
        print(f'{name}\t{r2:.4f}\t{rmse:.3f}')


if __name__ == '__main__':
    main()
