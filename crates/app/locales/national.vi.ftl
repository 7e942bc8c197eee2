# What the national public-service portal (Cổng DVCQG) is told each step of a dossier was
# (QuaTrinhXuLy.NoiDungXuLy). The portal shows it to citizens in Vietnamese, so there is no
# English catalogue: the text is part of the protocol, read by people on the national side.
step-submit = Nộp hồ sơ trực tuyến
step-register = Tiếp nhận hồ sơ trực tiếp tại Bộ phận Một cửa
step-receive = Tiếp nhận hồ sơ, cấp giấy tiếp nhận và hẹn trả kết quả
step-request_supplement = Yêu cầu bổ sung, hoàn thiện hồ sơ
step-supplement_provided = Công dân đã bổ sung hồ sơ
step-refuse = Từ chối tiếp nhận hồ sơ
step-forward = Chuyển xử lý
step-return = Trả lại bước trước để xử lý lại
step-consult = Xin ý kiến cơ quan, đơn vị phối hợp
step-transfer = Chuyển liên thông
step-require_financial_obligation = Yêu cầu thực hiện nghĩa vụ tài chính
step-obligation_paid = Đã thực hiện nghĩa vụ tài chính
step-approve = Phê duyệt kết quả
step-sign = Ký số kết quả giải quyết
step-resolve = Đã xử lý xong, chuyển kết quả về Bộ phận Một cửa
step-return_result = Trả kết quả cho công dân
step-withdraw = Công dân rút hồ sơ
step-stop = Dừng xử lý hồ sơ
step-extend = Xin lỗi và hẹn lại ngày trả kết quả
step-record_shipment = Bưu điện nhận chuyển phát kết quả
step-confirm_delivery = Bưu điện phát kết quả thành công
step-record_return_to_sender = Bưu điện chuyển hoàn kết quả về Bộ phận Một cửa
step-reason = Lý do
system = Hệ thống Một Cửa
