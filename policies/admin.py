from django.contrib import admin

from policies.models import Coverage, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "line", "online_discount_eligible")
    list_filter = ("line", "online_discount_eligible")
    search_fields = ("code", "name_fr", "name_de")


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ("insured_person", "product", "franchise", "start", "end", "monthly_premium")
    list_select_related = ("insured_person", "product")
    list_filter = ("product__line", "product")
    search_fields = ("insured_person__last_name", "insured_person__insured_number",
                     "insured_person__customer__customer_number")
    raw_id_fields = ("insured_person",)
