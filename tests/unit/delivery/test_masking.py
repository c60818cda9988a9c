from delivery.domain.masking import mask_address, mask_id_number, mask_name, mask_phone, phone_tail


def test_names_keep_only_the_family_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"


def test_phones_show_prefix_and_tail_only() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0571-88880000") == "057*****0000"
    assert phone_tail("138 1234 5678") == "5678"


def test_address_is_cut_to_the_district() -> None:
    assert mask_address("浙江省", "宁波市", "鄞州区") == "浙江省宁波市鄞州区"


def test_id_numbers_are_masked() -> None:
    assert mask_id_number("330102199003070019") == "330***********0019"
