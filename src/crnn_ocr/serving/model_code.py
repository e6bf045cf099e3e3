"""MLflow "model from code" entry: MLflow runs this file to build the pyfunc model.

Logging the model as code (instead of a cloudpickle of an instance) means loading it never
unpickles anything; the weights are ``.keras`` files loaded in Keras safe mode.
"""

from mlflow.models import set_model

from crnn_ocr.serving.pyfunc import CrnnOcrModel

set_model(CrnnOcrModel())
