from . import credit_control_work_batch
