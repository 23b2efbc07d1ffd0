package limit_test

import data.limit

test_five_is_too_many if limit.too_many with input as {"n": 5}

test_one_is_not if not limit.too_many with input as {"n": 1}
